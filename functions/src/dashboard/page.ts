/**
 * The dashboard page: one self-contained HTML document with server-drawn inline SVG charts.
 * No script, no web font, nothing loaded from elsewhere, so it works under a CSP of
 * `default-src 'none'` and shows the same thing in every browser. Every string that came from
 * DigitalOcean, the config or an API caller (service and project names, alert keys, payloads)
 * goes through `escapeHtml`.
 */
import { addDays, daysBetween, type IsoDate } from "../../../core/calendar";
import { describeTagProblems } from "../../../core/advice/rules/untagged";
import { formatSignedUsd, formatUsd } from "../../../core/money";
import type { AlertEventView, AlertView, CurrentBilling, SavingsView, StackView } from "./views";

/** What the page shows; built by the handler from the store. */
export interface DashboardPageInput {
  /** The CSP nonce of the page's one style block. */
  nonce: string;
  current: CurrentBilling;
  /** First and last day of the daily chart. */
  from: IsoDate;
  to: IsoDate;
  /** Days with data in [from, to]; days without data get no bar. */
  days: readonly { date: IsoDate; usd: number }[];
  /** This month's cost by service and by project, largest first. */
  byService: readonly { key: string; usd: number }[];
  byProject: readonly { key: string; usd: number }[];
  alerts: readonly AlertView[];
  events: readonly AlertEventView[];
  savings: SavingsView;
  stacks: readonly StackView[];
}

/** Escapes text for HTML element content and double- or single-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

const STYLE = `
:root{color-scheme:light;--ink:#1b2733;--muted:#5b6b7a;--line:#dde3ea;--blue:#0069ff;--red:#d0342c;--green:#1a8f4a}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:#f5f7fa}
header{background:#fff;border-bottom:1px solid var(--line);padding:16px 28px}
header h1{margin:0;font-size:20px}
header p{margin:2px 0 0;color:var(--muted);font-size:13px}
main{max-width:1100px;margin:0 auto;padding:20px 28px 40px}
section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:16px 20px;margin-bottom:18px}
h2{font-size:16px;margin:0 0 12px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(230px,1fr));gap:14px;background:none;border:0;padding:0}
.card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:14px 18px}
.card .label{color:var(--muted);font-size:13px}
.card .value{font-size:26px;font-weight:600;margin:2px 0}
.card .note{font-size:13px;color:var(--muted)}
.over{color:var(--red)}
.within{color:var(--green)}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:18px}
.pair{margin-bottom:18px}
.pair section{margin-bottom:0}
section h2+table+h2,table+h2,p.empty+h2{margin-top:22px}
@media (max-width:800px){.pair{grid-template-columns:1fr}}
svg{display:block;width:100%;height:auto}
svg text{font:11px system-ui,sans-serif;fill:var(--muted)}
svg .bar{fill:var(--blue)}
svg .bar.today{fill:#7fb0ff}
svg .grid{stroke:var(--line);stroke-width:1}
svg .track{fill:#e8edf3}
svg .fill{fill:var(--blue)}
svg .fill.over{fill:var(--red)}
svg .budget{stroke:var(--red);stroke-width:2;stroke-dasharray:4 3}
svg .projection{stroke:var(--ink);stroke-width:2}
svg .name{fill:var(--ink);font-size:12px}
table{width:100%;border-collapse:collapse;font-size:13px}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{color:var(--muted);font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.empty{color:var(--muted);font-size:13px;margin:0}
code{font-size:12px}
`;

/** "2026-11-08T09:00:00.000Z" → "2026-11-08 09:00 UTC". */
function utcMinute(instant: string): string {
  return `${instant.slice(0, 16).replace("T", " ")} UTC`;
}

function card(label: string, value: string, note: string, valueClass = ""): string {
  return `<div class="card"><div class="label">${escapeHtml(label)}</div><div class="value${valueClass ? ` ${valueClass}` : ""}">${escapeHtml(value)}</div><div class="note">${note}</div></div>`;
}

/** A horizontal meter: month to date against the account budget, with the budget and the projection marked. */
function budgetMeter(current: CurrentBilling): string {
  const width = 1000;
  const scale = Math.max(current.budgetUsd, current.forecast.projectedUsd, current.monthToDateUsd) * 1.08;
  const x = (usd: number) => ((usd / scale) * width).toFixed(1);
  const overNow = current.monthToDateUsd > current.budgetUsd;
  // Labels of markers close together would overlap: the projection's goes above, the budget's below.
  return `<svg id="budget-meter" viewBox="0 0 ${width} 62" role="img" aria-label="Month to date ${escapeHtml(formatUsd(current.monthToDateUsd))} of a ${escapeHtml(formatUsd(current.budgetUsd))} account budget, projected ${escapeHtml(formatUsd(current.forecast.projectedUsd))}">
<text x="${x(current.forecast.projectedUsd)}" y="11" text-anchor="middle">projected ${escapeHtml(formatUsd(current.forecast.projectedUsd))}</text>
<rect class="track" x="0" y="20" width="${width}" height="18" rx="4"/>
<rect class="fill${overNow ? " over" : ""}" x="0" y="20" width="${x(current.monthToDateUsd)}" height="18" rx="4"/>
<line class="projection" x1="${x(current.forecast.projectedUsd)}" x2="${x(current.forecast.projectedUsd)}" y1="15" y2="43"/>
<line class="budget" x1="${x(current.budgetUsd)}" x2="${x(current.budgetUsd)}" y1="15" y2="45"/>
<text x="${x(current.budgetUsd)}" y="58" text-anchor="middle">account budget ${escapeHtml(formatUsd(current.budgetUsd))}</text>
</svg>`;
}

/** A "nice" axis maximum (1, 2, 2.5 or 5 × 10^n) at or above `max`, so grid lines land on round dollars. */
function niceMax(max: number): number {
  if (max <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= max) return step * magnitude;
  return 10 * magnitude;
}

/** Daily cost bars: one slot per day from `from` to `to`, a bar for each day with data. */
function dailyChart(input: DashboardPageInput): string {
  const slots = daysBetween(input.from, input.to) + 1;
  const left = 56;
  const right = 12;
  const top = 10;
  const plotHeight = 200;
  const width = 1000;
  const slot = (width - left - right) / slots;
  const top$ = niceMax(Math.max(0, ...input.days.map((d) => d.usd)));
  const y = (usd: number) => top + plotHeight - (Math.max(0, usd) / top$) * plotHeight;
  const parts: string[] = [];
  for (let i = 0; i <= 4; i++) {
    const usd = (top$ * i) / 4;
    parts.push(`<line class="grid" x1="${left}" x2="${width - right}" y1="${y(usd).toFixed(1)}" y2="${y(usd).toFixed(1)}"/>`);
    parts.push(`<text x="${left - 6}" y="${(y(usd) + 4).toFixed(1)}" text-anchor="end">${escapeHtml(formatUsd(usd))}</text>`);
  }
  for (const day of input.days) {
    const index = daysBetween(input.from, day.date);
    const barTop = y(day.usd);
    const label = `${day.date}: ${formatUsd(day.usd)}`;
    parts.push(
      `<rect class="bar${day.date === input.to ? " today" : ""}" data-date="${escapeHtml(day.date)}" data-usd="${day.usd}" x="${(left + index * slot + slot * 0.15).toFixed(1)}" y="${barTop.toFixed(1)}" width="${(slot * 0.7).toFixed(1)}" height="${(top + plotHeight - barTop).toFixed(1)}"><title>${escapeHtml(label)}</title></rect>`,
    );
  }
  // Date labels every 7 days from the newest day back, so the latest week always reads.
  for (let back = 0; back < slots; back += 7) {
    const index = slots - 1 - back;
    parts.push(`<text x="${(left + index * slot + slot / 2).toFixed(1)}" y="${top + plotHeight + 16}" text-anchor="middle">${escapeHtml(addDays(input.from, index).slice(5))}</text>`);
  }
  return `<svg id="daily-chart" viewBox="0 0 ${width} ${top + plotHeight + 24}" role="img" aria-label="Daily cost from ${escapeHtml(input.from)} to ${escapeHtml(input.to)}">${parts.join("")}</svg>`;
}

/** Horizontal bars with the name on the left and the amount on the right. */
function breakdownChart(id: string, rows: readonly { key: string; usd: number }[], emptyText: string): string {
  if (rows.length === 0) return `<p class="empty">${escapeHtml(emptyText)}</p>`;
  const width = 520;
  const rowHeight = 26;
  const labelWidth = 170;
  const valueWidth = 86;
  const max = Math.max(...rows.map((r) => r.usd), 0.01);
  const total = rows.reduce((sum, r) => sum + r.usd, 0);
  const body = rows
    .map((row, i) => {
      const barWidth = (Math.max(0, row.usd) / max) * (width - labelWidth - valueWidth);
      const share = total > 0 ? ` (${((row.usd / total) * 100).toFixed(1)}%)` : "";
      const name = row.key.length > 26 ? `${row.key.slice(0, 25)}…` : row.key;
      const yTop = i * rowHeight;
      return `<g class="row" data-key="${escapeHtml(row.key)}"><title>${escapeHtml(`${row.key}: ${formatUsd(row.usd)}${share}`)}</title><text class="name" x="0" y="${yTop + 17}">${escapeHtml(name)}</text><rect class="fill" x="${labelWidth}" y="${yTop + 5}" width="${barWidth.toFixed(1)}" height="16" rx="2"/><text x="${width}" y="${yTop + 17}" text-anchor="end">${escapeHtml(formatUsd(row.usd))}</text></g>`;
    })
    .join("");
  return `<svg id="${id}-chart" viewBox="0 0 ${width} ${rows.length * rowHeight + 4}" role="img">${body}</svg>`;
}

function recipientsText(alert: AlertView): string {
  const parts = [...alert.recipients.email, ...alert.recipients.slackChannels.map((c) => `Slack ${c}`)];
  if (alert.recipients.webhooks > 0) parts.push(`${alert.recipients.webhooks} webhook${alert.recipients.webhooks === 1 ? "" : "s"}`);
  return parts.length > 0 ? parts.join(", ") : alert.source === "config" ? "as in the tracker config" : "nobody";
}

function alertsTable(alerts: readonly AlertView[]): string {
  if (alerts.length === 0) return `<p class="empty">No billing alerts are defined.</p>`;
  const rows = alerts
    .map(
      (a) =>
        `<tr><td><code>${escapeHtml(a.id)}</code></td><td>${escapeHtml(a.kind)}</td><td class="num">${escapeHtml(formatUsd(a.thresholdUsd))}</td><td>${a.enabled ? "on" : "off"}</td><td>${escapeHtml(a.source)}</td><td>${escapeHtml(recipientsText(a))}</td><td>${escapeHtml(a.lastTriggeredAt ? utcMinute(a.lastTriggeredAt) : "never")}</td></tr>`,
    )
    .join("");
  return `<table id="alert-definitions"><thead><tr><th>Alert</th><th>Kind</th><th class="num">Threshold</th><th>Enabled</th><th>Defined by</th><th>Recipients</th><th>Last fired</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** The payload's figures as "key: value" pairs, amounts formatted as dollars. */
function payloadText(payload: AlertEventView["payload"]): string {
  return Object.entries(payload)
    .filter(([key]) => key !== "kind")
    .map(([key, value]) => `${key}: ${typeof value === "number" && /usd$/i.test(key) ? formatUsd(value) : typeof value === "string" ? value : JSON.stringify(value)}`)
    .join(", ");
}

function eventsTable(events: readonly AlertEventView[]): string {
  if (events.length === 0) return `<p class="empty">No alert has fired this month or last month.</p>`;
  const rows = events
    .map((e) => {
      const kind = typeof e.payload.kind === "string" ? e.payload.kind : "";
      return `<tr><td>${escapeHtml(utcMinute(e.firedAt))}</td><td>${escapeHtml(kind)}</td><td><code>${escapeHtml(e.alertKey)}</code></td><td>${escapeHtml(payloadText(e.payload))}</td></tr>`;
    })
    .join("");
  return `<table id="alert-events"><thead><tr><th>Fired</th><th>Kind</th><th>Key</th><th>Details</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** Potential savings, the suggestions, and how much of the month's spend carries no tag. */
function savingsSection(savings: SavingsView): string {
  const untagged = `${(savings.untaggedShareOfSpend * 100).toFixed(1)}% of this month's spend carries no key:value tag`;
  const summary = `<p id="savings-total"><strong>${escapeHtml(formatUsd(savings.totalMonthlySavingsUsd))}/month</strong> potential savings from ${savings.suggestions.length} suggestion${savings.suggestions.length === 1 ? "" : "s"}${savings.dismissed > 0 ? ` (${savings.dismissed} dismissed)` : ""} · ${escapeHtml(untagged)}</p>`;
  const rows = savings.suggestions
    .map((s) => `<tr data-rule="${escapeHtml(s.rule)}"><td>${escapeHtml(`${s.resource.kind} ${s.resource.name}`)}</td><td>${escapeHtml(s.action)}</td><td>${escapeHtml(s.reason)}</td><td class="num">${escapeHtml(s.monthlySavingsUsd === null ? "unknown" : formatUsd(s.monthlySavingsUsd))}</td></tr>`)
    .join("");
  const table = rows
    ? `<table id="suggestions"><thead><tr><th>Resource</th><th>Action</th><th>Why</th><th class="num">Saves/month</th></tr></thead><tbody>${rows}</tbody></table>`
    : `<p class="empty">No savings found by the last advise run.</p>`;
  const untaggedList = savings.untagged.length > 0 ? `<p id="untagged">Untagged: ${savings.untagged.map((u) => escapeHtml(`${u.kind} ${u.name} (${describeTagProblems(u)})`)).join("; ")}</p>` : "";
  return `${summary}${table}${untaggedList}`;
}

/** Each stack's plan estimate against its bill, with the resources that differ and why. */
function stacksSection(stacks: readonly StackView[]): string {
  if (stacks.length === 0) return `<p class="empty">No stack reconciled yet: run <code>npm run tracker -- reconcile --plan plan.json</code> after a month closes.</p>`;
  const rows = stacks
    .map((stack) => {
      const differing = stack.resources.filter((r) => r.explanations.length > 0 || r.status !== "billed").map((r) => `${r.name}: ${r.explanations.join("; ") || r.status}`);
      const notes = [...differing, ...(stack.unplannedBilledUsd > 0 ? [`${formatUsd(stack.unplannedBilledUsd)} billed to tagged resources the plan does not list`] : [])];
      return `<tr data-stack="${escapeHtml(stack.stackTag)}"><td><code>${escapeHtml(stack.stackTag)}</code></td><td>${escapeHtml(stack.billingMonth)}</td><td class="num">${escapeHtml(formatUsd(stack.estimatedUsd))}</td><td class="num">${escapeHtml(formatUsd(stack.billedUsd))}</td><td class="num">${escapeHtml(formatSignedUsd(stack.differenceUsd))}</td><td>${escapeHtml(notes.join(" · "))}</td></tr>`;
    })
    .join("");
  return `<table id="stacks-table"><thead><tr><th>Stack</th><th>Month</th><th class="num">Estimated</th><th class="num">Billed</th><th class="num">Difference</th><th>Why</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** Renders the whole page. */
export function renderDashboardPage(input: DashboardPageInput): string {
  const { current } = input;
  const forecastClass = current.forecast.overBudget ? "over" : "within";
  const asOf = current.asOf ? `figures generated by DigitalOcean at ${utcMinute(current.asOf)}` : "no balance check recorded yet";
  const cards = [
    card("Month to date", formatUsd(current.monthToDateUsd), `${escapeHtml(current.budgetUsedPercent.toFixed(1))}% of the ${escapeHtml(formatUsd(current.budgetUsd))} account budget`),
    card(
      "Projected month end",
      formatUsd(current.forecast.projectedUsd),
      `<span class="${forecastClass}">${current.forecast.overBudget ? "over" : "within"} the account budget</span> · ${escapeHtml(formatUsd(current.forecast.dailyRateUsd))}/day trend`,
      forecastClass,
    ),
    // The whole account's budget (stack config billing.budgetMonthlyUsd), not the policy pack's
    // per-stack maxMonthlyUsd that `npm run plan` reports: the label says which, so the two are not confused.
    card("Account budget (monthly)", formatUsd(current.budgetUsd), `<code>billing.budgetMonthlyUsd</code> · ${escapeHtml(`billing month ${current.billingMonth}`)}`),
  ].join("");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>DigitalOcean cost · ${escapeHtml(current.billingMonth)}</title>
<style nonce="${escapeHtml(input.nonce)}">${STYLE}</style>
</head>
<body>
<header><h1>DigitalOcean cost · ${escapeHtml(current.billingMonth)}</h1><p id="as-of">${escapeHtml(asOf)}</p></header>
<main>
<section class="cards" id="summary">${cards}</section>
<section id="budget"><h2>Month to date against the account budget</h2>${budgetMeter(current)}</section>
<section id="daily"><h2>Daily cost, ${escapeHtml(input.from)} to ${escapeHtml(input.to)}</h2>${input.days.length > 0 ? dailyChart(input) : `<p class="empty">No billing history recorded in these days yet.</p>`}</section>
<div class="pair">
<section id="by-service"><h2>This month by service</h2>${breakdownChart("by-service", input.byService, "No cost by service recorded this month.")}</section>
<section id="by-project"><h2>This month by project</h2>${breakdownChart("by-project", input.byProject, "No cost by project recorded this month.")}</section>
</div>
<section id="savings"><h2>Savings</h2>${savingsSection(input.savings)}</section>
<section id="stacks"><h2>Stacks: estimate against the bill</h2>${stacksSection(input.stacks)}</section>
<section id="alerts"><h2>Recent alerts</h2>${eventsTable(input.events)}<h2>Alert definitions</h2>${alertsTable(input.alerts)}</section>
</main>
</body>
</html>`;
}
