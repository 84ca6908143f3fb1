/**
 * Charts rendered server-side with Apache ECharts (SVG renderer, SSR mode) and inlined into the report, so
 * the page needs no network and no script at view time. Error bars are drawn by a custom series (ECharts has
 * no built-in error-bar series): a vertical line from the CI low to the CI high with caps.
 */
import * as echarts from 'echarts';

export interface ChartSeries {
  name: string;
  /** One value per category; NaN/undefined = missing. */
  values: Array<number | undefined>;
  ci?: Array<[number, number] | undefined>;
}

const PALETTE = ['#2f6fb0', '#d9822b', '#3a9a5b', '#c23b3b', '#7a5cb5', '#8c6d31', '#d45e9c', '#5f6b73'];

/** Grouped bar chart with 95% CI error bars; values in [0,1] are shown as percentages. */
export function barChartSvg(opts: {
  title: string;
  categories: string[];
  series: ChartSeries[];
  width?: number;
  height?: number;
  percent?: boolean;
}): string {
  const width = opts.width ?? 640;
  const height = opts.height ?? 320;
  const percent = opts.percent ?? true;
  const scale = (x: number | undefined) =>
    x === undefined || !Number.isFinite(x) ? null : percent ? +(100 * x).toFixed(2) : x;
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  const nS = opts.series.length;
  const series: echarts.SeriesOption[] = [];
  opts.series.forEach((s, si) => {
    series.push({
      name: s.name,
      type: 'bar',
      data: s.values.map(scale),
      itemStyle: { color: PALETTE[si % PALETTE.length] },
      label: {
        show: true,
        position: 'insideBottom',
        formatter: (p: any) =>
          p.value === null ? '' : percent ? Number(p.value).toFixed(1) : String(p.value),
        fontSize: 10,
        color: '#fff',
      },
      barGap: '15%',
    });
    if (s.ci) {
      const data = s.ci.map((ci, ci_i) =>
        ci && Number.isFinite(ci[0]) ? [ci_i, scale(ci[0]), scale(ci[1])] : [ci_i, null, null],
      );
      series.push({
        name: s.name,
        type: 'custom',
        z: 10,
        encode: { x: 0, y: [1, 2] },
        data,
        renderItem: (params: any, api: any) => {
          if (api.value(1) === null || Number.isNaN(api.value(1))) return null;
          const x = api.value(0);
          const lo = api.coord([x, api.value(1)]);
          const hi = api.coord([x, api.value(2)]);
          // Offset to the centre of this series' bar within the category band.
          const band = (api.size([1, 0])[0] as number) * 0.8;
          const barW = band / (nS + 0.15 * (nS - 1));
          const cx = lo[0] - band / 2 + barW * (si + 0.5) + 0.15 * barW * si;
          const style = { stroke: '#222', lineWidth: 1.4 };
          return {
            type: 'group',
            children: [
              { type: 'line', shape: { x1: cx, y1: lo[1], x2: cx, y2: hi[1] }, style },
              { type: 'line', shape: { x1: cx - 4, y1: lo[1], x2: cx + 4, y2: lo[1] }, style },
              { type: 'line', shape: { x1: cx - 4, y1: hi[1], x2: cx + 4, y2: hi[1] }, style },
            ],
          };
        },
      } as echarts.SeriesOption);
    }
  });
  chart.setOption({
    animation: false,
    title: { text: opts.title, left: 'center', textStyle: { fontSize: 13 } },
    legend: { bottom: 0, data: opts.series.map((s) => s.name) },
    grid: { left: 48, right: 16, top: 36, bottom: 56 },
    xAxis: {
      type: 'category',
      data: opts.categories,
      axisLabel: {
        interval: 0,
        fontSize: 10,
        overflow: 'truncate',
        width: Math.max(60, (width - 80) / Math.max(1, opts.categories.length)),
      },
    },
    yAxis: { type: 'value', name: percent ? '%' : '', min: 0, max: percent ? 100 : undefined },
    series,
  });
  const svg = chart.renderToSVGString();
  chart.dispose();
  return svg;
}
