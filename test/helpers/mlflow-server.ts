/**
 * A local stand-in for an MLflow tracking server's REST API (`/api/2.0/mlflow/…`), for tests: experiments
 * get-by-name/create, runs create/log-batch/update/get. It records every request and enforces the rules the
 * MLflow REST reference and server document, so an export that a real server would refuse is refused here:
 * log-batch limits (1000 metrics, 100 params, 100 tags, 1000 entities), key characters and normalised-path
 * form, key length 250, param values ≤ 6000 characters and immutable once logged, numeric metric values,
 * integer timestamps and steps, known run ids. Errors come back as MLflow does: HTTP 400/404 with
 * `{ error_code, message }`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

interface StoredRun {
  info: {
    run_id: string;
    run_uuid: string;
    experiment_id: string;
    run_name: string;
    status: string;
    start_time: number;
    end_time?: number;
    lifecycle_stage: 'active';
  };
  metrics: Array<{ key: string; value: number; timestamp: number; step: number }>;
  params: Map<string, string>;
  tags: Map<string, string>;
}

export interface MlflowStub {
  uri: string;
  requests: Array<{ method: string; path: string; body: any }>;
  experiments: Map<string, string>;
  runs: Map<string, StoredRun>;
  close(): Promise<void>;
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const invalid = (m: string) => new ApiError(400, 'INVALID_PARAMETER_VALUE', m);

function checkKey(kind: string, key: unknown): string {
  if (typeof key !== 'string' || !key) throw invalid(`Missing value for required parameter '${kind} key'`);
  if (!/^[A-Za-z0-9_\-. /:]+$/.test(key))
    throw invalid(
      `Invalid ${kind} name: '${key}'. Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/).`,
    );
  const segments = key.split('/');
  if (key.startsWith('/') || segments.some((s) => s === '' || s === '.' || s === '..'))
    throw invalid(
      `Invalid ${kind} name: '${key}'. Names cannot resolve to a different path when normalized.`,
    );
  if (key.length > 250)
    throw invalid(`${kind} key '${key.slice(0, 20)}…' had length ${key.length}, limit 250`);
  return key;
}

export async function startMlflowStub(): Promise<MlflowStub> {
  const requests: MlflowStub['requests'] = [];
  const experiments = new Map<string, string>(); // name → id
  const runs = new Map<string, StoredRun>();
  let nextId = 1;
  const runOf = (id: unknown) => {
    const r = typeof id === 'string' ? runs.get(id) : undefined;
    if (!r) throw new ApiError(404, 'RESOURCE_DOES_NOT_EXIST', `Run with id=${String(id)} not found`);
    return r;
  };
  const handle = (method: string, path: string, query: URLSearchParams, body: any): unknown => {
    switch (`${method} ${path}`) {
      case 'GET experiments/get-by-name': {
        const name = query.get('experiment_name') ?? '';
        const id = experiments.get(name);
        if (!id)
          throw new ApiError(404, 'RESOURCE_DOES_NOT_EXIST', `Could not find experiment with name '${name}'`);
        return { experiment: { experiment_id: id, name, lifecycle_stage: 'active' } };
      }
      case 'POST experiments/create': {
        if (typeof body.name !== 'string' || !body.name)
          throw invalid("Missing value for required parameter 'name'");
        if (experiments.has(body.name))
          throw new ApiError(400, 'RESOURCE_ALREADY_EXISTS', `Experiment '${body.name}' already exists.`);
        const id = String(nextId++);
        experiments.set(body.name, id);
        return { experiment_id: id };
      }
      case 'POST runs/create': {
        if (![...experiments.values()].includes(body.experiment_id))
          throw new ApiError(
            404,
            'RESOURCE_DOES_NOT_EXIST',
            `No Experiment with id=${body.experiment_id} exists`,
          );
        if (!Number.isInteger(body.start_time)) throw invalid('start_time must be an integer (ms)');
        const id = `run${nextId++}`;
        const run: StoredRun = {
          info: {
            run_id: id,
            run_uuid: id,
            experiment_id: body.experiment_id,
            run_name: body.run_name ?? '',
            status: 'RUNNING',
            start_time: body.start_time,
            lifecycle_stage: 'active',
          },
          metrics: [],
          params: new Map(),
          tags: new Map(),
        };
        for (const t of body.tags ?? []) run.tags.set(checkKey('tag', t.key), String(t.value));
        runs.set(id, run);
        return { run: { info: run.info, data: {} } };
      }
      case 'POST runs/log-batch': {
        const run = runOf(body.run_id);
        const metrics = body.metrics ?? [];
        const params = body.params ?? [];
        const tags = body.tags ?? [];
        if (metrics.length > 1000)
          throw invalid(
            `A batch logging request can contain at most 1000 metrics. Got ${metrics.length} metrics.`,
          );
        if (params.length > 100)
          throw invalid(
            `A batch logging request can contain at most 100 params. Got ${params.length} params.`,
          );
        if (tags.length > 100)
          throw invalid(`A batch logging request can contain at most 100 tags. Got ${tags.length} tags.`);
        const total = metrics.length + params.length + tags.length;
        if (total > 1000)
          throw invalid(
            `A batch logging request can contain at most 1000 metrics, params, and tags in total. Got ${total}.`,
          );
        for (const m of metrics) {
          checkKey('metric', m.key);
          if (typeof m.value !== 'number')
            throw invalid(`Got invalid value ${m.value} for metric '${m.key}'`);
          if (!Number.isInteger(m.timestamp))
            throw invalid(`Got invalid timestamp ${m.timestamp} for metric '${m.key}'`);
          if (!Number.isInteger(m.step ?? 0))
            throw invalid(`Got invalid step ${m.step} for metric '${m.key}'`);
        }
        for (const p of params) {
          checkKey('param', p.key);
          if (typeof p.value !== 'string') throw invalid(`Param '${p.key}' value must be a string`);
          if (p.value.length > 6000)
            throw invalid(
              `Param value '${p.value.slice(0, 20)}…' had length ${p.value.length}, which exceeded length limit of 6000`,
            );
          const old = run.params.get(p.key);
          if (old !== undefined && old !== p.value)
            throw invalid(
              `Changing param values is not allowed. Param with key='${p.key}' was already logged with value='${old}'`,
            );
        }
        for (const t of tags) {
          checkKey('tag', t.key);
          if (String(t.value).length > 5000) throw invalid(`Tag '${t.key}' value exceeds 5000 characters`);
        }
        for (const m of metrics)
          run.metrics.push({ key: m.key, value: m.value, timestamp: m.timestamp, step: m.step ?? 0 });
        for (const p of params) run.params.set(p.key, p.value);
        for (const t of tags) run.tags.set(t.key, String(t.value));
        return {};
      }
      case 'POST runs/update': {
        const run = runOf(body.run_id);
        if (!['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'].includes(body.status))
          throw invalid(`Invalid run status ${body.status}`);
        run.info.status = body.status;
        if (body.end_time !== undefined) run.info.end_time = body.end_time;
        return { run_info: run.info };
      }
      case 'GET runs/get': {
        const run = runOf(query.get('run_id'));
        // Like MLflow: data.metrics holds the latest value per key (highest step, then timestamp).
        const latest = new Map<string, StoredRun['metrics'][number]>();
        for (const m of run.metrics) {
          const o = latest.get(m.key);
          if (!o || m.step > o.step || (m.step === o.step && m.timestamp >= o.timestamp))
            latest.set(m.key, m);
        }
        return {
          run: {
            info: run.info,
            data: {
              metrics: [...latest.values()],
              params: [...run.params].map(([key, value]) => ({ key, value })),
              tags: [...run.tags].map(([key, value]) => ({ key, value })),
            },
          },
        };
      }
      default:
        throw new ApiError(404, 'ENDPOINT_NOT_FOUND', `No endpoint ${method} ${path}`);
    }
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.on('data', (d) => (raw += d));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const path = url.pathname.replace(/^\/api\/2\.0\/mlflow\//, '');
      let body: any = {};
      const send = (status: number, obj: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(obj));
      };
      try {
        body = raw ? JSON.parse(raw) : {};
      } catch {
        send(400, { error_code: 'MALFORMED_REQUEST', message: 'body is not JSON' });
        return;
      }
      requests.push({ method: req.method ?? 'GET', path, body });
      try {
        send(200, handle(req.method ?? 'GET', path, url.searchParams, body));
      } catch (e) {
        if (e instanceof ApiError) send(e.status, { error_code: e.code, message: e.message });
        else send(500, { error_code: 'INTERNAL_ERROR', message: (e as Error).message });
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    uri: `http://127.0.0.1:${port}`,
    requests,
    experiments,
    runs,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
