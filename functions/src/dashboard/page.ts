/**
 * The dashboard page: one self-contained HTML document, server-drawn. No script, no web font,
 * no form, nothing loaded from elsewhere, so it works under a CSP of `default-src 'none'` and
 * shows the same thing in every browser. Every string that came from DigitalOcean, the config
 * or an API caller (service and project names, tags, alert keys, payloads) goes through
 * `escapeHtml`.
 *
 * Layout: one column on a phone (390 px: nothing wider than the screen, tables become
 * "label: value" rows, the daily chart drawn again with fewer, larger labels), two where there
 * is room; light and dark colours (`prefers-color-scheme`), every text colour at WCAG AA
 * contrast on its background (tests/functions/dashboard/browser.test.ts measures it), visible
 * keyboard focus and a skip link. Bars and meters are SVG shapes sized by attributes, because
 * the CSP allows no inline `style`.
 */
import { UNTAGGED } from "../../../core/allocation";
import { addDays, daysBetween, type IsoDate } from "../../../core/calendar";
import { describeTagProblems } from "../../../core/advice/rules/untagged";
import { CLEANUP_ACTION_WORDS, type CleanupState } from "../../../core/cleanup/states";
import { formatSignedUsd, formatUsd } from "../../../core/money";
import { INSIGHTS_ONLY_NOTE } from "../../../core/team-credentials";
import { ZonedClock } from "./alert-text";
import { NOT_ANALYSED_NOTE } from "./organization";
import { teamWords } from "../../../core/tracker-settings";
import type { AlertEventView, AlertView, CleanupMarkView, CleanupMode, CleanupView, CurrentBilling, SavingsView, StackView, TagAllocationView, UnitFigure, UnitsView } from "./views";

/** What the page shows; built by the handler from the store. */
export interface DashboardPageInput {
  /** The CSP nonce of the page's one style block. */
  nonce: string;
  current: CurrentBilling;
  /** First and last day of the daily chart. */
  from: IsoDate;
  to: IsoDate;
  /** IANA zone times are written in (`billing.timeZone`). */
  timeZone: string;
  /** The handler's clock: which year dates may omit. */
  now: Date;
  /** Days with data in [from, to]; days without data get no bar. */
  days: readonly { date: IsoDate; usd: number }[];
  /** This month's cost by service and by project, largest first. */
  byService: readonly { key: string; usd: number }[];
  byProject: readonly { key: string; usd: number }[];
  /** This month's cost per tag key. */
  byTag: TagAllocationView;
  /** Cost per unit (`billing.units`): this month's days and the month to date. */
  units: UnitsView;
  alerts: readonly AlertView[];
  events: readonly AlertEventView[];
  savings: SavingsView;
  /** Every resource clean-up has marked, and whether it runs and acts. */
  cleanup: CleanupView;
  stacks: readonly StackView[];
  /** With teams: whose page this is; a single-team deployment's page has none. */
  team?: TeamHeading;
}

/** The team a page of a deployment with teams is about, and the team selector it shows. */
export interface TeamHeading {
  name: string;
  /** Read from organisation insights only: no advice or clean-up to show. */
  insightsOnly: boolean;
  /** Every team's name for the selector; null where the viewer may see this team alone (its own password). */
  selector: readonly string[] | null;
}

/** Escapes text for HTML element content and double- or single-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** Below this width tables become stacked "label: value" rows and the compact daily chart shows. */
export const NARROW_MAX_WIDTH_PX = 640;

/**
 * The page's colours, light and dark. Text colours are chosen for WCAG AA (4.5:1) on both the
 * page and the card background of their scheme; the browser test computes every pair.
 */
export const PALETTES = {
  light: { page: "#f3f5f8", card: "#ffffff", ink: "#17212b", muted: "#4f5f6f", line: "#d5dce4", accent: "#0050c8", accentSoft: "#6c9be0", track: "#e3e8ee", red: "#b3261e", green: "#17703d", focus: "#0050c8" },
  dark: { page: "#0e151c", card: "#16202a", ink: "#e7edf3", muted: "#a3b1bf", line: "#2c3a48", accent: "#78b0ff", accentSoft: "#3d6aa8", track: "#26323f", red: "#ff8f87", green: "#6fd59a", focus: "#9cc5ff" },
} as const;

function customProperties(palette: (typeof PALETTES)[keyof typeof PALETTES]): string {
  return Object.entries(palette)
    .map(([name, value]) => `--${name}:${value}`)
    .join(";");
}

const STYLE = `
:root{color-scheme:light dark;${customProperties(PALETTES.light)}}
@media (prefers-color-scheme:dark){:root{${customProperties(PALETTES.dark)}}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:var(--page)}
a{color:var(--accent)}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px;border-radius:2px}
.skip{position:absolute;left:8px;top:-100px;background:var(--card);color:var(--accent);padding:8px 12px;border:2px solid var(--focus);border-radius:6px;z-index:1}
.skip:focus{top:8px}
header{background:var(--card);border-bottom:1px solid var(--line);padding:14px 24px}
header h1{margin:0;font-size:20px;line-height:1.3}
header p{margin:2px 0 0;color:var(--muted);font-size:14px}
main{max-width:1120px;margin:0 auto;padding:18px 24px 40px}
main:focus{outline:none}
section{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:16px 20px;margin-bottom:16px;min-width:0}
h2{font-size:17px;margin:0 0 10px;line-height:1.3}
h3{font-size:15px;margin:14px 0 6px}
section h2~h2{margin-top:22px}
p{margin:0 0 8px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(220px,1fr));gap:12px;background:none;border:0;padding:0}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:14px 18px;min-width:0}
.card .label{color:var(--muted);font-size:14px}
.card .value{font-size:28px;font-weight:650;margin:2px 0;font-variant-numeric:tabular-nums}
.card .note{font-size:14px;color:var(--muted)}
.over{color:var(--red)}
.within{color:var(--green)}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:16px;margin-bottom:16px}
.pair section{margin-bottom:0}
.muted,.empty{color:var(--muted)}
.empty{font-size:14px;margin:0}
.lead{font-size:15px}
.lead strong{font-size:20px;font-variant-numeric:tabular-nums}
code{font-size:13px;overflow-wrap:anywhere}
svg{display:block;width:100%;height:auto}
svg text{font-family:system-ui,sans-serif;fill:var(--muted)}
svg .bar,svg .fill{fill:var(--accent)}
svg .bar.today{fill:var(--accentSoft)}
svg .grid{stroke:var(--line);stroke-width:1}
svg .track{fill:var(--track)}
svg .fill.over{fill:var(--red)}
svg .budget{stroke:var(--red);stroke-width:3}
svg .projection{stroke:var(--ink);stroke-width:3}
.legend{display:flex;flex-wrap:wrap;gap:4px 18px;list-style:none;margin:8px 0 0;padding:0;font-size:14px}
.key{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:6px;vertical-align:-1px}
.key.spent{background:var(--accent)}
.key.spent.over{background:var(--red)}
.key.projected{background:var(--ink);width:4px}
.key.budget{background:var(--red);width:4px}
.chart-compact{display:none}
.bars{list-style:none;margin:0;padding:0}
.bars li{display:grid;grid-template-columns:minmax(0,1fr) auto;gap:0 12px;padding:5px 0;border-bottom:1px solid var(--line)}
.bars li:last-child{border-bottom:0}
.bars .name{overflow-wrap:anywhere}
.bars .amount{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.bars .share{color:var(--muted);font-size:13px}
.bars svg{grid-column:1/-1;height:8px;margin-top:3px}
table{width:100%;border-collapse:collapse;font-size:14px}
th,td{text-align:left;padding:7px 8px;border-bottom:1px solid var(--line);vertical-align:top;overflow-wrap:break-word}
th{color:var(--muted);font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
details{margin-top:4px;font-size:13px}
summary{cursor:pointer;color:var(--muted)}
.events{list-style:none;margin:0;padding:0}
.events li{padding:10px 0;border-bottom:1px solid var(--line)}
.events li:last-child{border-bottom:0}
.events .when{color:var(--muted);font-size:14px;margin:0}
.events .what{margin:2px 0 0}
#units-days td{white-space:nowrap}
.tag-keys{display:grid;grid-template-columns:repeat(auto-fit,minmax(240px,1fr));gap:4px 24px}
.links{display:flex;flex-wrap:wrap;gap:4px;list-style:none;margin:8px 0 0;padding:0;font-size:14px}
.links a{display:inline-block;padding:3px 9px;border:1px solid var(--line);border-radius:6px;text-decoration:none;overflow-wrap:anywhere}
.links a[aria-current]{background:var(--accent);border-color:var(--accent);color:var(--card);font-weight:600}
.sort{display:flex;flex-wrap:wrap;align-items:baseline;gap:0 8px;margin:0 0 10px}
.sort .links{margin:0}
.notice{border:1px solid var(--line);border-left:4px solid var(--accent);border-radius:6px;background:var(--card);padding:10px 14px;margin:0 0 16px}
tr.total td{font-weight:650;border-top:2px solid var(--line)}
td .note{color:var(--muted);font-size:13px}
@media (max-width:800px){.pair{grid-template-columns:1fr}}
@media (max-width:${NARROW_MAX_WIDTH_PX}px){
body{font-size:16px}
header{padding:12px 14px}
main{padding:12px 10px 32px}
section{padding:14px 14px;margin-bottom:12px}
.pair{gap:12px;margin-bottom:12px}
.chart-wide{display:none}
.chart-compact{display:block}
table.stack thead{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%)}
table.stack,table.stack tbody,table.stack tr,table.stack td{display:block;width:100%}
table.stack tr{border-bottom:1px solid var(--line);padding:6px 0}
table.stack td{display:grid;grid-template-columns:minmax(88px,38%) minmax(0,1fr);gap:10px;border:0;padding:3px 0;text-align:left;white-space:normal}
table.stack td::before{content:attr(data-label);color:var(--muted);font-weight:600}
}
@media (prefers-reduced-motion:no-preference){html{scroll-behavior:smooth}}
@media (prefers-reduced-motion:reduce){*,*::before,*::after{animation:none!important;transition:none!important;scroll-behavior:auto!important}}
`;

export function card(label: string, value: string, note: string, valueClass = ""): string {
  return `<div class="card"><div class="label">${escapeHtml(label)}</div><div class="value${valueClass ? ` ${valueClass}` : ""}">${escapeHtml(value)}</div><div class="note">${note}</div></div>`;
}

/**
 * A table that becomes "label: value" rows on a phone: each cell carries its column's label
 * (`data-label`, shown by CSS) so no row needs horizontal room.
 */
export function stackedTable(id: string, columns: readonly { label: string; num?: boolean }[], rows: readonly { cells: readonly string[]; attributes?: string }[], stack = true): string {
  const head = columns.map((c) => `<th scope="col"${c.num ? ' class="num"' : ""}>${escapeHtml(c.label)}</th>`).join("");
  const body = rows
    // Each cell's content in one <div>: stacked, the cell is a two-column grid of its label and that.
    .map((row) => `<tr${row.attributes ? ` ${row.attributes}` : ""}>${row.cells.map((cell, i) => `<td data-label="${escapeHtml(columns[i]!.label)}"${columns[i]!.num ? ' class="num"' : ""}><div>${cell}</div></td>`).join("")}</tr>`)
    .join("");
  return `<table id="${id}"${stack ? ' class="stack"' : ""}><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

/** Month to date against the budget (`noun`: "account budget", "team budget"): a bar with the projection and budget marked, its figures in words beside it. */
export function budgetMeter(current: Pick<CurrentBilling, "monthToDateUsd" | "budgetUsd"> & { forecast: Pick<CurrentBilling["forecast"], "projectedUsd"> }, noun = "account budget"): string {
  const width = 1000;
  const scale = Math.max(current.budgetUsd, current.forecast.projectedUsd, current.monthToDateUsd) * 1.05;
  const x = (usd: number) => ((Math.max(0, usd) / scale) * width).toFixed(1);
  const overNow = current.monthToDateUsd > current.budgetUsd;
  const label = `Month to date ${formatUsd(current.monthToDateUsd)} of a ${formatUsd(current.budgetUsd)} ${noun}, projected ${formatUsd(current.forecast.projectedUsd)}`;
  // preserveAspectRatio="none" stretches the bar to any width; the marker lines keep their stroke width.
  return `<svg id="budget-meter" viewBox="0 0 ${width} 28" preserveAspectRatio="none" height="28" role="img" aria-label="${escapeHtml(label)}">
<rect class="track" x="0" y="4" width="${width}" height="20" rx="4"/>
<rect class="fill${overNow ? " over" : ""}" x="0" y="4" width="${x(current.monthToDateUsd)}" height="20" rx="4"/>
<line class="projection" vector-effect="non-scaling-stroke" x1="${x(current.forecast.projectedUsd)}" x2="${x(current.forecast.projectedUsd)}" y1="0" y2="28"/>
<line class="budget" vector-effect="non-scaling-stroke" x1="${x(current.budgetUsd)}" x2="${x(current.budgetUsd)}" y1="0" y2="28"/>
</svg>
<ul class="legend"><li><span class="key spent${overNow ? " over" : ""}"></span>month to date ${escapeHtml(formatUsd(current.monthToDateUsd))}</li><li><span class="key projected"></span>projected ${escapeHtml(formatUsd(current.forecast.projectedUsd))}</li><li><span class="key budget"></span>${escapeHtml(noun)} ${escapeHtml(formatUsd(current.budgetUsd))}</li></ul>`;
}

/** A "nice" axis maximum (1, 2, 2.5 or 5 × 10^n) at or above `max`, so grid lines land on round dollars. */
function niceMax(max: number): number {
  if (max <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= max) return step * magnitude;
  return 10 * magnitude;
}

/** "$40", "$2.50": axis labels without cents when they are whole. */
function axisUsd(usd: number): string {
  return Number.isInteger(usd) ? `$${usd.toLocaleString("en-US")}` : formatUsd(usd);
}

/** How a daily chart is drawn: the wide one for desktops, the compact one for phones. */
interface ChartGeometry {
  id: string;
  className: string;
  width: number;
  left: number;
  plotHeight: number;
  fontSize: number;
  gridLines: number;
  tickEveryDays: number;
}

/** Daily cost bars: one slot per day from `from` to `to`, a bar for each day with data, dates every `tickEveryDays` back from `to`. */
function dailyChart(from: IsoDate, to: IsoDate, days: readonly { date: IsoDate; usd: number }[], g: ChartGeometry): string {
  const slots = daysBetween(from, to) + 1;
  const right = 8;
  const top = g.fontSize;
  const slot = (g.width - g.left - right) / slots;
  const shown = days.filter((d) => d.date >= from && d.date <= to);
  const top$ = niceMax(Math.max(0, ...shown.map((d) => d.usd)));
  const y = (usd: number) => top + g.plotHeight - (Math.max(0, usd) / top$) * g.plotHeight;
  const parts: string[] = [];
  for (let i = 0; i <= g.gridLines; i++) {
    const usd = (top$ * i) / g.gridLines;
    parts.push(`<line class="grid" x1="${g.left}" x2="${g.width - right}" y1="${y(usd).toFixed(1)}" y2="${y(usd).toFixed(1)}"/>`);
    parts.push(`<text x="${g.left - 6}" y="${(y(usd) + g.fontSize * 0.35).toFixed(1)}" text-anchor="end">${escapeHtml(axisUsd(usd))}</text>`);
  }
  for (const day of shown) {
    const index = daysBetween(from, day.date);
    const barTop = y(day.usd);
    parts.push(
      `<rect class="bar${day.date === to ? " today" : ""}" data-date="${escapeHtml(day.date)}" data-usd="${day.usd}" x="${(g.left + index * slot + slot * 0.15).toFixed(1)}" y="${barTop.toFixed(1)}" width="${(slot * 0.7).toFixed(1)}" height="${(top + g.plotHeight - barTop).toFixed(1)}"><title>${escapeHtml(`${day.date}: ${formatUsd(day.usd)}`)}</title></rect>`,
    );
  }
  // Date labels back from the newest day, so the latest week always reads.
  for (let back = 0; back < slots; back += g.tickEveryDays) {
    const index = slots - 1 - back;
    parts.push(`<text x="${(g.left + index * slot + slot / 2).toFixed(1)}" y="${top + g.plotHeight + g.fontSize * 1.4}" text-anchor="middle">${escapeHtml(addDays(from, index).slice(5))}</text>`);
  }
  const height = top + g.plotHeight + g.fontSize * 1.9;
  return `<svg id="${g.id}" class="${g.className}" viewBox="0 0 ${g.width} ${height.toFixed(0)}" font-size="${g.fontSize}" role="img" aria-label="Daily cost from ${escapeHtml(from)} to ${escapeHtml(to)}">${parts.join("")}</svg>`;
}

/** The chart's figures in words, first: what a phone reader needs before any bar. */
function dailySummary(input: DailyInput, clock: ZonedClock): string {
  const lastWeek = input.days.filter((d) => d.date > addDays(input.to, -7) && d.date <= input.to);
  const weekUsd = lastWeek.reduce((sum, d) => sum + d.usd, 0);
  const dearest = input.days.reduce<{ date: IsoDate; usd: number } | undefined>((top, d) => (!top || d.usd > top.usd ? d : top), undefined);
  const parts = [`Last 7 days ${formatUsd(weekUsd)} (${formatUsd(lastWeek.length > 0 ? weekUsd / lastWeek.length : 0)} a day)`];
  if (dearest) parts.push(`dearest day ${clock.date(dearest.date)}: ${formatUsd(dearest.usd)}`);
  return `<p id="daily-summary">${escapeHtml(parts.join(" · "))}</p>`;
}

/** The days a daily chart draws: its first and last day and the days with data. */
export type DailyInput = Pick<DashboardPageInput, "from" | "to" | "days">;

/** The daily chart in words, then drawn wide (desktop) and compact (phone). */
export function dailySection(input: DailyInput, clock: ZonedClock): string {
  if (input.days.length === 0) return `<p class="empty">No billing history recorded in these days yet.</p>`;
  const wide = dailyChart(input.from, input.to, input.days, { id: "daily-chart", className: "chart-wide", width: 1000, left: 56, plotHeight: 200, fontSize: 12, gridLines: 4, tickEveryDays: 7 });
  // The phone's chart: the last four weeks, a third as many gridlines, labels that read at 390 px.
  const compactFrom = addDays(input.to, -27) > input.from ? addDays(input.to, -27) : input.from;
  const compact = dailyChart(compactFrom, input.to, input.days, { id: "daily-chart-compact", className: "chart-compact", width: 360, left: 40, plotHeight: 150, fontSize: 12, gridLines: 2, tickEveryDays: 7 });
  return `${dailySummary(input, clock)}${wide}${compact}`;
}

/** Horizontal bars as an HTML list: the name and amount are text at the page's size; only the bar is SVG. */
function barList(id: string, rows: readonly { key: string; usd: number; label?: string }[], emptyText: string): string {
  if (rows.length === 0) return `<p class="empty">${escapeHtml(emptyText)}</p>`;
  const max = Math.max(...rows.map((r) => r.usd), 0.01);
  const total = rows.reduce((sum, r) => sum + r.usd, 0);
  const items = rows
    .map((row) => {
      const width = ((Math.max(0, row.usd) / max) * 100).toFixed(1);
      const share = total > 0 ? ` <span class="share">${((row.usd / total) * 100).toFixed(1)}%</span>` : "";
      return `<li data-key="${escapeHtml(row.key)}"><span class="name">${escapeHtml(row.label ?? row.key)}</span><span class="amount">${escapeHtml(formatUsd(row.usd))}${share}</span><svg viewBox="0 0 100 8" preserveAspectRatio="none" aria-hidden="true"><rect class="track" width="100" height="8" rx="2"/><rect class="fill" width="${width}" height="8" rx="2"/></svg></li>`;
    })
    .join("");
  return `<ol class="bars" id="${escapeHtml(id)}-chart">${items}</ol>`;
}

/** "$2.14", "$0.071": below a dollar a cost per unit keeps two significant digits, not just its cents. */
export function formatPerUnit(usd: number): string {
  if (Math.abs(usd) >= 1 || usd === 0) return formatUsd(usd);
  return `${usd < 0 ? "-" : ""}$${Math.abs(usd).toPrecision(2)}`;
}

/** Why a per-unit figure is missing, in words; the figure itself when it is not. */
function perUnitText(figure: UnitFigure, clock: ZonedClock): string {
  switch (figure.status) {
    case "ok":
      return formatPerUnit(figure.usdPerUnit ?? 0);
    case "zero-units":
      return "no units counted";
    case "unknown-units":
      return "unknown: the count could not be read";
    case "no-reading":
      return "unknown: no count read that day";
    case "stale":
      return `unknown: the last count (${figure.readAt ? clock.stamp(new Date(figure.readAt)) : "?"}) is too old`;
  }
}

function unitsSection(units: UnitsView, clock: ZonedClock): string {
  if (!units.unitName) {
    return `<h2>Cost per unit</h2><p class="empty">No unit count recorded yet: set <code>billing.units</code> (active restaurants, orders …) and the daily run counts them.</p>`;
  }
  const name = units.unitName;
  const mtd = units.monthToDate;
  const read = units.latest ? `count read ${clock.stamp(new Date(units.latest.readAt))}` : "never counted";
  const lead =
    mtd.status === "ok"
      ? `<p class="lead" id="units-month"><strong>${escapeHtml(formatPerUnit(mtd.usdPerUnit ?? 0))}</strong> per ${escapeHtml(name)} this month: ${escapeHtml(`${formatUsd(mtd.usd)} ÷ ${mtd.units} (${read}).`)}</p>`
      : `<p class="lead" id="units-month"><strong>Unknown</strong> per ${escapeHtml(name)} this month: ${escapeHtml(`${perUnitText(mtd, clock)} (${read}; a count is used for ${units.freshForHours}\u00a0h).`)}</p>`;
  const recent = units.days.slice(-7).reverse();
  const table =
    recent.length === 0
      ? `<p class="empty">No cost recorded this month yet.</p>`
      : stackedTable(
          "units-days",
          [{ label: "Day" }, { label: "Cost", num: true }, { label: "Count", num: true }, { label: `Per ${name}`, num: true }],
          recent.map((day) => ({
            attributes: `data-status="${day.status}"`,
            cells: [escapeHtml(clock.date(day.date)), escapeHtml(formatUsd(day.usd)), escapeHtml(day.units === null ? "–" : String(day.units)), escapeHtml(perUnitText(day, clock))],
          })),
          // Four short columns fit a phone as they are.
          false,
        );
  return `<h2>Cost per ${escapeHtml(name)}</h2>${lead}${table}`;
}

function tagSection(byTag: DashboardPageInput["byTag"]): string {
  const keys = byTag.tagKeys.filter((key) => key.rows.some((row) => row.value !== UNTAGGED));
  if (keys.length === 0) return `<h2>This month by tag</h2><p class="empty">No key:value tags on this month's costs yet.</p>`;
  const lists = keys.map((key) => `<div data-tag-key="${escapeHtml(key.tagKey)}"><h3>${escapeHtml(key.tagKey)}</h3>${barList(`tag-${key.tagKey}`, key.rows.map((row) => ({ key: row.value, usd: row.usd })), "")}</div>`).join("");
  return `<h2>This month by tag</h2><p>${escapeHtml(`${(byTag.untagged.share * 100).toFixed(1)}% (${formatUsd(byTag.untagged.usd)}) carries no key:value tag at all.`)}</p><div class="tag-keys">${lists}</div>`;
}

function recipientsText(alert: AlertView): string {
  const parts = [...alert.recipients.email, ...alert.recipients.slackChannels.map((c) => `Slack ${c}`)];
  if (alert.recipients.webhooks > 0) parts.push(`${alert.recipients.webhooks} webhook${alert.recipients.webhooks === 1 ? "" : "s"}`);
  return parts.length > 0 ? parts.join(", ") : alert.source === "config" ? "as in the tracker config" : "nobody";
}

/** An internal key (alert id, event key) kept out of the reading line, for whoever needs it. */
function keyDisclosure(summary: string, key: string): string {
  return `<details><summary>${escapeHtml(summary)}</summary><code>${escapeHtml(key)}</code></details>`;
}

function runbookLink(url: string | null): string {
  return url ? ` <a href="${escapeHtml(url)}" rel="noreferrer">What to do</a>` : "";
}

function alertsTable(alerts: readonly AlertView[], clock: ZonedClock): string {
  if (alerts.length === 0) return `<p class="empty">No billing alerts are defined.</p>`;
  return stackedTable(
    "alert-definitions",
    [{ label: "Alert" }, { label: "State" }, { label: "Defined by" }, { label: "Recipients" }, { label: "Last fired" }],
    alerts.map((a) => ({
      attributes: `data-alert="${escapeHtml(a.id)}"`,
      cells: [
        `${escapeHtml(a.kind === "forecast" ? "Projected month end over budget" : `Month to date past ${formatUsd(a.thresholdUsd)}`)}${runbookLink(a.runbookUrl)}${keyDisclosure("Alert id", a.id)}`,
        a.enabled ? "on" : "off",
        escapeHtml(a.source === "config" ? "tracker config" : "API"),
        escapeHtml(recipientsText(a)),
        escapeHtml(a.lastTriggeredAt ? clock.stamp(new Date(a.lastTriggeredAt)) : "never"),
      ],
    })),
  );
}

/** Recent alerts, newest first; labelled events (the organisation's list) say whose each is. */
export function eventsList(events: readonly (AlertEventView & { team?: string })[], clock: ZonedClock): string {
  if (events.length === 0) return `<p class="empty">No alert has fired this month or last month.</p>`;
  const items = events
    .map(
      (e) =>
        `<li data-kind="${escapeHtml(typeof e.payload.kind === "string" ? e.payload.kind : "")}"${e.team === undefined ? "" : ` data-team="${escapeHtml(e.team)}"`}><p class="when"><time datetime="${escapeHtml(e.firedAt)}">${escapeHtml(clock.stamp(new Date(e.firedAt)))}</time> · ${escapeHtml(e.team === undefined ? e.label : `${teamWords(e.team)} · ${e.label}`)}</p><p class="what">${escapeHtml(e.summary)}${runbookLink(e.runbookUrl)}</p>${keyDisclosure("Alert key", e.alertKey)}</li>`,
    )
    .join("");
  return `<ol class="events" id="alert-events">${items}</ol>`;
}

/** Potential savings, the suggestions, and how much of the month's spend carries no tag. */
function savingsSection(savings: SavingsView): string {
  const untagged = `${(savings.untaggedShareOfSpend * 100).toFixed(1)}% of this month's spend carries no key:value tag`;
  const summary = `<p id="savings-total" class="lead"><strong>${escapeHtml(formatUsd(savings.totalMonthlySavingsUsd))}/month</strong> potential savings from ${savings.suggestions.length} suggestion${savings.suggestions.length === 1 ? "" : "s"}${savings.dismissed > 0 ? ` (${savings.dismissed} dismissed)` : ""} · ${escapeHtml(untagged)}</p>`;
  const table =
    savings.suggestions.length > 0
      ? stackedTable(
          "suggestions",
          [{ label: "Resource" }, { label: "Action" }, { label: "Why" }, { label: "Saves/month", num: true }],
          savings.suggestions.map((s) => ({
            attributes: `data-rule="${escapeHtml(s.rule)}"`,
            cells: [escapeHtml(`${s.resource.kind} ${s.resource.name}`), escapeHtml(s.action), escapeHtml(s.reason), escapeHtml(s.monthlySavingsUsd === null ? "unknown" : formatUsd(s.monthlySavingsUsd))],
          })),
        )
      : `<p class="empty">No savings found by the last advise run.</p>`;
  const untaggedList = savings.untagged.length > 0 ? `<p id="untagged">Untagged: ${savings.untagged.map((u) => escapeHtml(`${u.kind} ${u.name} (${describeTagProblems(u)})`)).join("; ")}</p>` : "";
  return `${summary}${table}${untaggedList}`;
}

/** A marked resource's state in words (core/cleanup/states.ts), with what that means under the current mode. */
function cleanupStateWords(state: CleanupState, mode: CleanupMode | null): string {
  switch (state) {
    case "marked":
      return "Marked: no notice delivered yet";
    case "notice-delivered":
      return "Notice delivered: waiting for its date";
    case "due":
      return mode === null ? "Due" : mode.apply ? "Due: the next daily run acts" : "Due, but nothing is changed while apply is off";
    case "acted":
      return "Done";
    case "needs-attention":
      return "Needs attention: a person decides";
    case "skipped":
      return "Skipped: left alone";
  }
}

/** "Notice sent": the counting notice's day, else the preview's (which never counts), else why there is none. */
function noticeSentText(mark: CleanupMarkView, clock: ZonedClock): string {
  if (mark.noticeSentOn) return clock.date(mark.noticeSentOn);
  if (mark.previewSentOn) return `preview ${clock.date(mark.previewSentOn)} (does not count)`;
  return isSettled(mark.state) ? "–" : "not yet";
}

/** States whose dates no longer change: clean-up is done with the resource, or a person is. */
function isSettled(state: CleanupState): boolean {
  return state === "skipped" || state === "acted" || state === "needs-attention";
}

/** "Acts on": the first day clean-up may act, or why there is no such day. */
function actsOnText(mark: CleanupMarkView, mode: CleanupMode | null, clock: ZonedClock): string {
  if (mark.state === "skipped") return "never";
  if (mark.actsOn) return clock.date(mark.actsOn);
  if (isSettled(mark.state)) return "–";
  if (mode && !mode.enabled) return "not while clean-up is off";
  if (mode && !mode.apply) return "not while apply is off";
  return "set when the notice is delivered";
}

/** How clean-up runs, in one line of HTML; null when the settings do not say. */
function cleanupModeHtml(mode: CleanupMode | null): string | null {
  if (!mode) return null;
  if (!mode.enabled) return "Clean-up is off (<code>cleanup.enabled</code>): these are from its last run.";
  return mode.apply
    ? "Clean-up is on: nothing is acted on before its notice has reached someone."
    : "Clean-up runs as a dry run (<code>cleanup.apply</code> is off): owners get previews, which never count as the notice, and nothing is changed.";
}

/** Why nothing is listed: clean-up is off, or nothing carries an expiry tag. */
function cleanupEmptyText(mode: CleanupMode | null): string {
  const tagged = "droplets, volumes and snapshots tagged <code>expires:YYYY-MM-DD</code>";
  if (!mode) return `Nothing is marked for clean-up. It is off unless <code>cleanup.enabled</code> is set, and it marks only ${tagged}.`;
  if (!mode.enabled) return `Clean-up is off: set <code>cleanup.enabled</code> and ${tagged} get a notice before anything is done to them.`;
  return `Nothing is marked: clean-up is on, and no droplet, volume or snapshot carries an <code>expires:</code> date.`;
}

/** What clean-up has marked: the resource, its date and action, notice sent, acts on, and where it stands. */
function cleanupSection(cleanup: CleanupView, clock: ZonedClock): string {
  const link = runbookLink(cleanup.runbookUrl);
  if (cleanup.marks.length === 0) return `<p class="empty">${cleanupEmptyText(cleanup.settings)}${link}</p>`;
  const mode = cleanupModeHtml(cleanup.settings);
  const count = `${cleanup.marks.length} resource${cleanup.marks.length === 1 ? "" : "s"} marked.`;
  const lead = `<p id="cleanup-mode">${mode ? `${mode} ` : ""}${count}${link}</p>`;
  return `${lead}${stackedTable(
    "cleanup-marks",
    [{ label: "Resource" }, { label: "Expires" }, { label: "Action" }, { label: "Notice sent" }, { label: "Acts on" }, { label: "State" }],
    cleanup.marks.map((mark) => ({
      attributes: `data-state="${escapeHtml(mark.state)}" data-resource="${escapeHtml(`${mark.resource.kind}:${mark.resource.id}`)}"`,
      cells: [
        escapeHtml(`${mark.resource.kind} ${mark.resource.name}`),
        escapeHtml(mark.expires ? clock.date(mark.expires) : "unreadable"),
        escapeHtml(mark.action ? CLEANUP_ACTION_WORDS[mark.action] : "–"),
        escapeHtml(noticeSentText(mark, clock)),
        escapeHtml(actsOnText(mark, cleanup.settings, clock)),
        `${escapeHtml(cleanupStateWords(mark.state, cleanup.settings))}<details><summary>Why</summary>${escapeHtml(mark.reason)}</details>`,
      ],
    })),
  )}`;
}

/** Each stack's plan estimate against its bill, with the resources that differ and why. */
function stacksSection(stacks: readonly StackView[]): string {
  if (stacks.length === 0) return `<p class="empty">No stack reconciled yet: run <code>npm run tracker -- reconcile --plan plan.json</code> after a month closes.</p>`;
  return stackedTable(
    "stacks-table",
    [{ label: "Stack" }, { label: "Month" }, { label: "Estimated", num: true }, { label: "Billed", num: true }, { label: "Difference", num: true }, { label: "Why" }],
    stacks.map((stack) => {
      const differing = stack.resources.filter((r) => r.explanations.length > 0 || r.status !== "billed").map((r) => `${r.name}: ${r.explanations.join("; ") || r.status}`);
      const notes = [...differing, ...(stack.unplannedBilledUsd > 0 ? [`${formatUsd(stack.unplannedBilledUsd)} billed to tagged resources the plan does not list`] : [])];
      return {
        attributes: `data-stack="${escapeHtml(stack.stackTag)}"`,
        cells: [`<code>${escapeHtml(stack.stackTag)}</code>`, escapeHtml(stack.billingMonth), escapeHtml(formatUsd(stack.estimatedUsd)), escapeHtml(formatUsd(stack.billedUsd)), escapeHtml(formatSignedUsd(stack.differenceUsd)), escapeHtml(notes.join(" · "))],
      };
    }),
  );
}

/** The parts of a page around its sections: the document, its one style block, the header and the skip link. */
export interface PageFrame {
  nonce: string;
  title: string;
  heading: string;
  /** The line under the heading (as of, time zone), as text. */
  subline: string;
  /** HTML after the subline inside the header: the team selector, when there is one. */
  nav?: string;
}

/** A whole document around `sections` (HTML): the same head, style, header and skip link for every page. */
export function pageDocument(frame: PageFrame, sections: readonly string[]): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(frame.title)}</title>
<style nonce="${escapeHtml(frame.nonce)}">${STYLE}</style>
</head>
<body>
<a class="skip" href="#main">Skip to the figures</a>
<header><h1>${escapeHtml(frame.heading)}</h1><p id="as-of">${escapeHtml(frame.subline)}</p>${frame.nav ?? ""}</header>
<main id="main" tabindex="-1">
${sections.join("\n")}
</main>
</body>
</html>`;
}

/**
 * The team selector: plain links (the CSP allows no script and no form), the organisation's
 * overview first, then every team; the page shown is marked `aria-current`. Links are relative
 * query strings, so they work wherever the action is served.
 */
export function teamSelector(teams: readonly string[], current: string | null): string {
  const link = (href: string, text: string, here: boolean) => `<li><a href="${escapeHtml(href)}"${here ? ' aria-current="page"' : ""}>${escapeHtml(text)}</a></li>`;
  const items = [link("?", "Organisation", current === null), ...teams.map((team) => link(`?team=${encodeURIComponent(team)}`, team, team === current))];
  return `<nav id="team-selector" aria-label="Teams"><ul class="links">${items.join("")}</ul></nav>`;
}

/**
 * Renders the whole page. Sections follow in reading order: the month's figures, where the
 * money goes (services, projects, per unit, tags), then what to do about it (savings, clean-up,
 * stacks, alerts). A new section is one more entry in `sections`. With teams, the page is one
 * team's: its name heads it, its budget is the team's, and an insights-only team says it has
 * no advice or clean-up.
 */
export function renderDashboardPage(input: DashboardPageInput): string {
  const { current, team } = input;
  const clock = new ZonedClock(input.timeZone, input.now);
  const forecastClass = current.forecast.overBudget ? "over" : "within";
  const asOf = current.asOf ? `Figures generated by DigitalOcean at ${clock.stamp(new Date(current.asOf))}` : "No balance check recorded yet";
  const noun = team ? "team budget" : "account budget";
  const cards = [
    card("Month to date", formatUsd(current.monthToDateUsd), `${escapeHtml(current.budgetUsedPercent.toFixed(1))}% of the ${escapeHtml(formatUsd(current.budgetUsd))} ${noun}`),
    card(
      "Projected month end",
      formatUsd(current.forecast.projectedUsd),
      `<span class="${forecastClass}">${current.forecast.overBudget ? "over" : "within"} the ${noun}</span> · ${escapeHtml(formatUsd(current.forecast.dailyRateUsd))}/day trend`,
      forecastClass,
    ),
    // The whole account's budget (stack config billing.budgetMonthlyUsd), not the policy pack's
    // per-stack maxMonthlyUsd that `npm run plan` reports: the label says which, so the two are not confused.
    team
      ? card("Team budget (monthly)", formatUsd(current.budgetUsd), `<code>billing.teams[].budgetMonthlyUsd</code> (else <code>billing.budgetMonthlyUsd</code>) · ${escapeHtml(`billing month ${current.billingMonth}`)}`)
      : card("Account budget (monthly)", formatUsd(current.budgetUsd), `<code>billing.budgetMonthlyUsd</code> · ${escapeHtml(`billing month ${current.billingMonth}`)}`),
  ].join("");
  const section = (id: string, content: string) => `<section id="${id}">${content}</section>`;
  const notAnalysed = `<p class="empty">${escapeHtml(NOT_ANALYSED_NOTE)}</p>`;
  const sections = [
    ...(team?.insightsOnly ? [`<p class="notice" id="insights-only">${escapeHtml(`Team ${team.name} is ${INSIGHTS_ONLY_NOTE}.`)}</p>`] : []),
    `<section class="cards" id="summary" aria-label="This month">${cards}</section>`,
    section("budget", `<h2>Month to date against the ${noun}</h2>${budgetMeter(current, noun)}`),
    section("daily", `<h2>Daily cost, ${escapeHtml(clock.date(input.from))} to ${escapeHtml(clock.date(input.to))}</h2>${dailySection(input, clock)}`),
    `<div class="pair">${section("by-service", `<h2>This month by service</h2>${barList("by-service", input.byService, "No cost by service recorded this month.")}`)}${section("by-project", `<h2>This month by project</h2>${barList("by-project", input.byProject, "No cost by project recorded this month.")}`)}</div>`,
    section("units", unitsSection(input.units, clock)),
    section("by-tag", tagSection(input.byTag)),
    section("savings", `<h2>Savings</h2>${team?.insightsOnly ? notAnalysed : savingsSection(input.savings)}`),
    section("cleanup", `<h2>Clean-up</h2>${team?.insightsOnly ? notAnalysed : cleanupSection(input.cleanup, clock)}`),
    section("stacks", `<h2>Stacks: estimate against the bill</h2>${team?.insightsOnly ? notAnalysed : stacksSection(input.stacks)}`),
    section("alerts", `<h2>Recent alerts</h2>${eventsList(input.events, clock)}<h2>Alert definitions</h2>${alertsTable(input.alerts, clock)}`),
  ];
  const heading = team ? `DigitalOcean cost · ${team.name} · ${current.billingMonth}` : `DigitalOcean cost · ${current.billingMonth}`;
  return pageDocument(
    { nonce: input.nonce, title: heading, heading, subline: `${asOf} · times in ${input.timeZone}`, ...(team?.selector ? { nav: teamSelector(team.selector, team.name) } : {}) },
    sections,
  );
}
