/**
 * Charts rendered server-side with Apache ECharts (SVG renderer, SSR mode) and inlined into the report, so
 * the page needs no network and no script at view time.
 *
 *  - `trendChartSvg`: one value per checkpoint, in the campaign's order, as a line with a shaded 95% CI band
 *    (the band is a stacked pair of areas: a transparent one up to the CI low, a tinted one of height hi − lo).
 *  - `barChartSvg`: horizontal grouped bars (categories on the y axis, so long labels never overlap) with CI
 *    error bars drawn by a custom series (ECharts has no error-bar series).
 *
 * Values in [0, 1] are shown as percentages. Colours: one per checkpoint (`checkpointColor`), the same in
 * every chart of a report.
 */
import * as echarts from 'echarts';

export interface ChartSeries {
  name: string;
  /** One value per category; undefined = missing. */
  values: Array<number | undefined>;
  ci?: Array<[number, number] | undefined>;
  /** Override the series colour. */
  color?: string;
}

/** Distinct colours (Okabe–Ito, colour-blind safe), one per checkpoint. */
const PALETTE = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#000000', '#f0e442'];
export const checkpointColor = (i: number) => PALETTE[i % PALETTE.length];

const finite = (x: number | undefined): x is number => typeof x === 'number' && Number.isFinite(x);

function render(width: number, height: number, option: echarts.EChartsCoreOption): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  chart.setOption({ animation: false, textStyle: { fontFamily: 'system-ui, sans-serif' }, ...option });
  const svg = chart.renderToSVGString();
  chart.dispose();
  return svg;
}

const scaler = (percent: boolean) => (x: number | undefined) =>
  finite(x) ? (percent ? +(100 * x).toFixed(2) : +x.toFixed(4)) : null;

/**
 * Lines across ordered x categories (checkpoints, or k of pass@k) with shaded CI bands, values labelled at
 * each point. Every series gets its own colour; bands are the series colour at low opacity.
 */
export function trendChartSvg(opts: {
  title: string;
  categories: string[];
  series: ChartSeries[];
  width?: number;
  height?: number;
  percent?: boolean;
  xName?: string;
  /** Dash pattern per series index (e.g. maj@k dashed next to pass@k). */
  dashed?: boolean[];
}): string {
  const width = opts.width ?? 360;
  const height = opts.height ?? 230;
  const percent = opts.percent ?? true;
  const scale = scaler(percent);
  const series: echarts.SeriesOption[] = [];
  const all: number[] = [];
  opts.series.forEach((s, si) => {
    const color = s.color ?? checkpointColor(si);
    if (s.ci) {
      const lo = s.ci.map((c) => (c && finite(c[0]) ? scale(c[0]) : null));
      const span = s.ci.map((c) => (c && finite(c[0]) && finite(c[1]) ? scale(c[1])! - scale(c[0])! : null));
      for (const c of s.ci) if (c) all.push(scale(c[0]) ?? NaN, scale(c[1]) ?? NaN);
      series.push(
        {
          type: 'line',
          data: lo,
          stack: `ci-${si}`,
          lineStyle: { opacity: 0 },
          symbol: 'none',
          silent: true,
          connectNulls: true,
        },
        {
          type: 'line',
          data: span,
          stack: `ci-${si}`,
          lineStyle: { opacity: 0 },
          areaStyle: { color, opacity: 0.15 },
          symbol: 'none',
          silent: true,
          connectNulls: true,
        },
      );
    }
    const values = s.values.map(scale);
    for (const v of values) if (v !== null) all.push(v);
    series.push({
      name: s.name,
      type: 'line',
      data: values,
      color,
      lineStyle: { width: 2, type: opts.dashed?.[si] ? 'dashed' : 'solid' },
      symbolSize: 6,
      connectNulls: true,
      // One series: every point labelled. Several: only the last point, so labels do not collide.
      label: {
        show: opts.series.length === 1,
        position: 'top',
        fontSize: 10,
        color,
        formatter: (p: any) => (p.value === null ? '' : Number(p.value).toFixed(1)),
      },
      endLabel: {
        show: opts.series.length > 1,
        fontSize: 10,
        color,
        formatter: (p: any) => (p.value === null ? '' : Number(p.value).toFixed(1)),
      },
      z: 5,
    });
  });
  const fin = all.filter(Number.isFinite);
  const lo = fin.length ? Math.min(...fin) : 0;
  const hi = fin.length ? Math.max(...fin) : 1;
  // Axis bounds on multiples of the tick step around the data and its bands (10 or 20 points).
  const step = hi - lo > 45 ? 20 : 10;
  const yMin = Math.max(0, Math.floor((lo - 3) / step) * step);
  const yMax = Math.min(100, Math.ceil((hi + 3) / step) * step);
  return render(width, height, {
    title: {
      text: opts.title + (percent ? ' (%)' : ''),
      left: 'center',
      textStyle: { fontSize: 12, fontWeight: 600 },
    },
    legend:
      opts.series.length > 1
        ? { bottom: 0, data: opts.series.map((s) => s.name), textStyle: { fontSize: 10 }, itemWidth: 14 }
        : undefined,
    grid: {
      left: 40,
      right: opts.series.length > 1 ? 40 : 24,
      // Room above the plot for point labels at 100%.
      top: opts.series.length > 1 ? 34 : 48,
      bottom: opts.series.length > 1 ? 52 : 28,
    },
    xAxis: {
      type: 'category',
      data: opts.categories,
      boundaryGap: false,
      name: opts.xName,
      nameLocation: 'middle',
      nameGap: 22,
      axisLabel: { fontSize: 10, interval: 0, hideOverlap: true },
    },
    yAxis: {
      type: 'value',
      min: percent ? yMin : undefined,
      max: percent ? yMax : undefined,
      interval: percent ? step : undefined,
      axisLabel: { fontSize: 10 },
    },
    series,
  });
}

/**
 * Horizontal grouped bars with CI error bars: one row per category (label on the left, e.g. "Algebra (12)"),
 * one bar per series (checkpoint) in that row.
 */
export function barChartSvg(opts: {
  title: string;
  categories: string[];
  series: ChartSeries[];
  width?: number;
  percent?: boolean;
}): string {
  const width = opts.width ?? 640;
  const percent = opts.percent ?? true;
  const scale = scaler(percent);
  const nS = opts.series.length;
  const rowHeight = Math.max(18, nS * 11 + 8);
  const height = 70 + rowHeight * opts.categories.length + (nS > 1 ? 22 : 0);
  const labelWidth = Math.min(
    240,
    Math.max(60, 6.2 * Math.max(0, ...opts.categories.map((c) => c.length)) + 8),
  );
  const series: echarts.SeriesOption[] = [];
  opts.series.forEach((s, si) => {
    const color = s.color ?? checkpointColor(si);
    series.push({
      name: s.name,
      type: 'bar',
      data: s.values.map(scale),
      itemStyle: { color },
      barGap: '10%',
      barMaxWidth: 14,
      // Without a CI the value sits at the bar's end; with one, the error-bar series writes it past the whisker.
      label: {
        show: !s.ci,
        position: 'right',
        distance: 6,
        fontSize: 9,
        color: '#333',
        formatter: (p: any) => (p.value === null ? '' : Number(p.value).toFixed(1)),
      },
    });
    if (!s.ci) return;
    const values = s.values.map(scale);
    series.push({
      name: s.name,
      type: 'custom',
      z: 10,
      silent: true,
      encode: { y: 0, x: [1, 2] },
      data: s.ci.map((ci, i) =>
        ci && finite(ci[0]) && finite(ci[1])
          ? [i, scale(ci[0]), scale(ci[1]), values[i]]
          : [i, null, null, values[i]],
      ),
      renderItem: (_params: any, api: any) => {
        const v = api.value(3);
        const hasCi = !(api.value(1) === null || Number.isNaN(api.value(1)));
        if (!hasCi && (v === null || Number.isNaN(v))) return null;
        const y = api.value(0);
        const lo = api.coord([hasCi ? api.value(1) : v, y]);
        const hi = api.coord([hasCi ? api.value(2) : v, y]);
        const end = api.coord([v === null || Number.isNaN(v) ? 0 : v, y]);
        // Offset to the centre of this series' bar within the category band (bars fill 80% of the band).
        const band = (api.size([0, 1])[1] as number) * 0.8;
        const barH = Math.min(14, band / (nS + 0.1 * (nS - 1)));
        const total = barH * nS + 0.1 * barH * (nS - 1);
        const cy = lo[1] - total / 2 + barH * (si + 0.5) + 0.1 * barH * si;
        const style = { stroke: '#222', lineWidth: 1 };
        const label =
          v === null || Number.isNaN(v)
            ? []
            : [
                {
                  type: 'text',
                  style: {
                    text: Number(v).toFixed(1),
                    x: Math.max(hi[0], end[0]) + 4,
                    y: cy,
                    verticalAlign: 'middle',
                    fontSize: 9,
                    fill: '#333',
                  },
                },
              ];
        const whiskers = hasCi
          ? [
              { type: 'line', shape: { x1: lo[0], y1: cy, x2: hi[0], y2: cy }, style },
              { type: 'line', shape: { x1: lo[0], y1: cy - 3, x2: lo[0], y2: cy + 3 }, style },
              { type: 'line', shape: { x1: hi[0], y1: cy - 3, x2: hi[0], y2: cy + 3 }, style },
            ]
          : [];
        return { type: 'group', children: [...whiskers, ...label] };
      },
    } as echarts.SeriesOption);
  });
  return render(width, height, {
    title: {
      text: opts.title + (percent ? ' (%)' : ''),
      left: 'center',
      textStyle: { fontSize: 12, fontWeight: 600 },
    },
    legend:
      nS > 1
        ? { bottom: 0, data: opts.series.map((s) => s.name), textStyle: { fontSize: 10 }, itemWidth: 14 }
        : undefined,
    grid: { left: labelWidth, right: 48, top: 34, bottom: nS > 1 ? 44 : 24 },
    yAxis: {
      type: 'category',
      data: opts.categories,
      inverse: true,
      axisLabel: { fontSize: 10, interval: 0, width: labelWidth - 8, overflow: 'truncate' },
    },
    xAxis: {
      type: 'value',
      min: 0,
      max: percent ? 100 : undefined,
      axisLabel: { fontSize: 10 },
    },
    series,
  });
}
