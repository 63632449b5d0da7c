// Dashboard: what the program earns the merchant in a period, beside the period before it.
// Every figure is explained in one sentence, shown on hover and on keyboard focus.
import { words, number, money, day, label, getLocale } from '../i18n.js';
import { h, field, table, button, busy, empty, uid } from '../dom.js';

const w = words({
  en: {
    period: 'Period', last7: 'Last 7 days', last30: 'Last 30 days', last90: 'Last 90 days',
    last365: 'Last 12 months', custom: 'Custom dates', start: 'From', end: 'To', by: 'Chart by',
    byday: 'Day', byweek: 'Week', bymonth: 'Month', show: 'Show', vs: 'vs. {from} – {to}',
    previous: 'Before: {value}', noChange: 'no change', newFigure: 'new',
    money: 'What the program earns', funnel: 'Funnel', funnelHelp: 'Each step with the share of the step before it that reached it.',
    trend: 'Over time', trendHelp: 'Revenue from referred orders against all revenue.',
    customers: 'Referred customers against the others', referred: 'Referred', other: 'Others',
    quality: 'Fraud checks', check: 'Check', flagged: 'Sent to review', rejected: 'Rejected',
    share: 'share', noQuality: 'No check flagged or rejected a referral in this period.',
    channels: 'Channels', sharesBy: 'Shares by channel', referralsBy: 'Referrals by how they were attributed',
    noShares: 'No share recorded in this period.', noReferrals: 'No referral in this period.',
    top: 'Top advocates', advocate: 'Advocate', code: 'Code', referrals: 'Referrals',
    noTop: 'No advocate has a referral yet.', contest: 'Contest: {name}', rank: 'Rank',
    chartLabel: 'Referred revenue and all revenue per {unit}, {from} to {to}',
    figure: 'Figure', nothing: 'No sales or referrals in this period yet.',
    nothingNext: 'Figures appear as shoppers see the widget, share and buy. Try a longer period.',
    badDates: 'Choose a start date on or before the end date.',
    unit_day: 'day', unit_week: 'week', unit_month: 'month',
    exports: 'Download as CSV', exportsHelp: 'Everything made in the period shown, one row each; the KPIs one row per day.',
    export_referrals: 'Referrals', export_advocates: 'Advocates', export_rewards: 'Rewards', export_kpis: 'Daily KPIs',
    downloaded: '{file} downloaded.',
    // The figures and their one-sentence explanations.
    referred_revenue: 'Referred revenue', referred_revenue_help: 'What orders that came through a referral paid, less refunds.',
    revenue: 'All revenue', revenue_help: 'What every paid order paid in the period, referred or not, less refunds.',
    referred_share: 'Share from referrals', referred_share_help: 'The part of all revenue that came from referred orders.',
    reward_cost: 'Reward cost', reward_cost_help: 'The money value of the rewards given (discounts, store credit, cash, donations), less what was taken back.',
    roi: 'Return on rewards', roi_help: 'Referred revenue less the reward cost, divided by the reward cost: 3.0 means 3 earned for every 1 spent.',
    cost_per_customer: 'Cost per new customer', cost_per_customer_help: 'The reward cost divided by the new customers referrals brought.',
    rewards_issued: 'Rewards given', rewards_issued_help: 'How many rewards the program gave (not counting those taken back before they reached the store).',
    new_referred_customers: 'New referred customers', new_referred_customers_help: 'Customers whose first order in the period came through a referral.',
    orders: 'Orders', orders_help: 'Paid orders in the period, referred or not (cancelled and test orders are left out).',
    refunded: 'Refunded', refunded_help: 'What was refunded on the period’s orders; it is already taken off revenue.',
    reversed: 'Referrals reversed', reversed_help: 'Referrals undone because their order was cancelled or refunded.',
    widget_views: 'Widget views', widget_views_help: 'How many times shoppers saw the referral widget.',
    joins: 'Joins', joins_help: 'Shoppers who joined the program and got their link and code.',
    shares: 'Shares', shares_help: 'Times advocates shared their link (WhatsApp, email, copy and more).',
    link_clicks: 'Link clicks', link_clicks_help: 'Visits to the store through an advocate’s link.',
    claims: 'Offers claimed', claims_help: 'Friends who claimed an advocate’s offer with their email.',
    first_orders: 'First orders', first_orders_help: 'Orders a referral brought, whatever happened to them after.',
    credited: 'Credited referrals', credited_help: 'Referrals that passed their hold and earned the advocate’s reward.',
    repeat_rate: 'Repeat purchase rate', repeat_rate_help: 'The share of customers who ordered more than once.',
    average_order_value: 'Average order value', average_order_value_help: 'Revenue divided by the number of orders.',
    orders_per_customer_30d: 'Orders per customer, 30 days', orders_per_customer_30d_help: 'Orders each customer placed within 30 days of their first, on average.',
    orders_per_customer_90d: 'Orders per customer, 90 days', orders_per_customer_90d_help: 'Orders each customer placed within 90 days of their first, on average.',
    orders_per_customer_365d: 'Orders per customer, 1 year', orders_per_customer_365d_help: 'Orders each customer placed within a year of their first, on average.',
    revenue_per_customer_30d: 'Revenue per customer, 30 days', revenue_per_customer_30d_help: 'What each customer spent within 30 days of their first order, on average.',
    revenue_per_customer_90d: 'Revenue per customer, 90 days', revenue_per_customer_90d_help: 'What each customer spent within 90 days of their first order, on average.',
    revenue_per_customer_365d: 'Revenue per customer, 1 year', revenue_per_customer_365d_help: 'What each customer spent within a year of their first order, on average.',
    customers_n: 'Customers', customers_n_help: 'Customers whose first order falls in the period.',
  },
  es: {
    period: 'Periodo', last7: 'Últimos 7 días', last30: 'Últimos 30 días', last90: 'Últimos 90 días',
    last365: 'Últimos 12 meses', custom: 'Fechas a medida', start: 'Desde', end: 'Hasta', by: 'Gráfico por',
    byday: 'Día', byweek: 'Semana', bymonth: 'Mes', show: 'Mostrar', vs: 'frente al {from} – {to}',
    previous: 'Antes: {value}', noChange: 'sin cambios', newFigure: 'nuevo',
    money: 'Lo que gana el programa', funnel: 'Embudo', funnelHelp: 'Cada paso con la parte del paso anterior que llegó a él.',
    trend: 'Evolución', trendHelp: 'Ingresos de pedidos referidos frente a todos los ingresos.',
    customers: 'Clientes referidos frente al resto', referred: 'Referidos', other: 'Resto',
    quality: 'Controles de fraude', check: 'Control', flagged: 'Enviados a revisión', rejected: 'Rechazados',
    share: 'parte', noQuality: 'Ningún control marcó ni rechazó un referido en este periodo.',
    channels: 'Canales', sharesBy: 'Veces compartido por canal', referralsBy: 'Referidos según cómo se atribuyeron',
    noShares: 'No se compartió nada en este periodo.', noReferrals: 'No hay referidos en este periodo.',
    top: 'Mejores embajadores', advocate: 'Embajador', code: 'Código', referrals: 'Referidos',
    noTop: 'Ningún embajador tiene aún un referido.', contest: 'Concurso: {name}', rank: 'Puesto',
    chartLabel: 'Ingresos referidos y todos los ingresos por {unit}, del {from} al {to}',
    figure: 'Cifra', nothing: 'Aún no hay ventas ni referidos en este periodo.',
    nothingNext: 'Las cifras aparecen cuando los clientes ven el widget, comparten y compran. Prueba un periodo más largo.',
    badDates: 'Elige una fecha de inicio igual o anterior a la de fin.',
    unit_day: 'día', unit_week: 'semana', unit_month: 'mes',
    exports: 'Descargar en CSV', exportsHelp: 'Todo lo creado en el periodo mostrado, una fila por registro; las cifras, una fila por día.',
    export_referrals: 'Referidos', export_advocates: 'Embajadores', export_rewards: 'Recompensas', export_kpis: 'Cifras diarias',
    downloaded: '{file} descargado.',
    referred_revenue: 'Ingresos referidos', referred_revenue_help: 'Lo que pagaron los pedidos que llegaron por un referido, menos reembolsos.',
    revenue: 'Todos los ingresos', revenue_help: 'Lo que pagaron todos los pedidos del periodo, referidos o no, menos reembolsos.',
    referred_share: 'Parte de los referidos', referred_share_help: 'La parte de todos los ingresos que vino de pedidos referidos.',
    reward_cost: 'Coste de recompensas', reward_cost_help: 'El valor en dinero de las recompensas dadas (descuentos, saldo, dinero, donaciones), menos lo recuperado.',
    roi: 'Retorno de las recompensas', roi_help: 'Ingresos referidos menos el coste de recompensas, dividido por ese coste: 3,0 significa 3 ganados por cada 1 gastado.',
    cost_per_customer: 'Coste por cliente nuevo', cost_per_customer_help: 'El coste de recompensas dividido por los clientes nuevos que trajeron los referidos.',
    rewards_issued: 'Recompensas dadas', rewards_issued_help: 'Cuántas recompensas dio el programa (sin contar las retiradas antes de llegar a la tienda).',
    new_referred_customers: 'Clientes referidos nuevos', new_referred_customers_help: 'Clientes cuyo primer pedido del periodo llegó por un referido.',
    orders: 'Pedidos', orders_help: 'Pedidos pagados del periodo, referidos o no (sin cancelados ni de prueba).',
    refunded: 'Reembolsado', refunded_help: 'Lo reembolsado en los pedidos del periodo; ya está descontado de los ingresos.',
    reversed: 'Referidos revertidos', reversed_help: 'Referidos deshechos porque su pedido se canceló o reembolsó.',
    widget_views: 'Vistas del widget', widget_views_help: 'Cuántas veces los clientes vieron el widget de referidos.',
    joins: 'Altas', joins_help: 'Clientes que se unieron al programa y recibieron su enlace y código.',
    shares: 'Veces compartido', shares_help: 'Veces que los embajadores compartieron su enlace (WhatsApp, correo, copiar y más).',
    link_clicks: 'Clics en enlaces', link_clicks_help: 'Visitas a la tienda a través del enlace de un embajador.',
    claims: 'Ofertas reclamadas', claims_help: 'Amigos que reclamaron la oferta de un embajador con su correo.',
    first_orders: 'Primeros pedidos', first_orders_help: 'Pedidos que trajo un referido, pase lo que pase después.',
    credited: 'Referidos acreditados', credited_help: 'Referidos que superaron su periodo de espera y ganaron la recompensa del embajador.',
    repeat_rate: 'Tasa de recompra', repeat_rate_help: 'La parte de los clientes que compró más de una vez.',
    average_order_value: 'Pedido medio', average_order_value_help: 'Los ingresos divididos por el número de pedidos.',
    orders_per_customer_30d: 'Pedidos por cliente, 30 días', orders_per_customer_30d_help: 'Pedidos de cada cliente en los 30 días siguientes al primero, de media.',
    orders_per_customer_90d: 'Pedidos por cliente, 90 días', orders_per_customer_90d_help: 'Pedidos de cada cliente en los 90 días siguientes al primero, de media.',
    orders_per_customer_365d: 'Pedidos por cliente, 1 año', orders_per_customer_365d_help: 'Pedidos de cada cliente en el año siguiente al primero, de media.',
    revenue_per_customer_30d: 'Ingresos por cliente, 30 días', revenue_per_customer_30d_help: 'Lo que gastó cada cliente en los 30 días siguientes a su primer pedido, de media.',
    revenue_per_customer_90d: 'Ingresos por cliente, 90 días', revenue_per_customer_90d_help: 'Lo que gastó cada cliente en los 90 días siguientes a su primer pedido, de media.',
    revenue_per_customer_365d: 'Ingresos por cliente, 1 año', revenue_per_customer_365d_help: 'Lo que gastó cada cliente en el año siguiente a su primer pedido, de media.',
    customers_n: 'Clientes', customers_n_help: 'Clientes cuyo primer pedido cae en el periodo.',
  },
});

const MONEY = new Set(['referred_revenue', 'revenue', 'reward_cost', 'cost_per_customer', 'refunded',
  'average_order_value', 'revenue_per_customer_30d', 'revenue_per_customer_90d', 'revenue_per_customer_365d']);
const RATIO = new Set(['referred_share', 'repeat_rate']);
const MONEY_CARDS = ['referred_revenue', 'revenue', 'referred_share', 'reward_cost', 'roi',
  'cost_per_customer', 'rewards_issued', 'new_referred_customers', 'orders', 'refunded'];
const GROUP_ROWS = ['customers', 'repeat_rate', 'average_order_value', 'orders_per_customer_30d',
  'orders_per_customer_90d', 'orders_per_customer_365d', 'revenue_per_customer_30d',
  'revenue_per_customer_90d', 'revenue_per_customer_365d'];
const PRESETS = { last7: 7, last30: 30, last90: 90, last365: 365 };
const SVG = 'http://www.w3.org/2000/svg';

// The period asked last, kept while the merchant moves between pages.
const state = { preset: 'last30', start: '', end: '', granularity: 'day' };

function iso(date) { return date.toISOString().slice(0, 10); }

function periodOf() {
  if (state.preset === 'custom') return { start: state.start, end: state.end };
  const end = new Date();
  const start = new Date(end.getTime() - (PRESETS[state.preset] - 1) * 86400000);
  return { start: iso(start), end: iso(end) };
}

function percent(ratio) {
  return new Intl.NumberFormat(getLocale() === 'es' ? 'es-ES' : 'en-US',
    { style: 'percent', maximumFractionDigits: 1 }).format(Number(ratio));
}

function decimal(value) {
  return new Intl.NumberFormat(getLocale() === 'es' ? 'es-ES' : 'en-US',
    { maximumFractionDigits: 2 }).format(Number(value));
}

function show(name, value, currency) {
  if (value === null || value === undefined) return '—';
  if (MONEY.has(name)) return money(value, currency);
  if (RATIO.has(name)) return percent(value);
  if (typeof value === 'string') return decimal(value);
  return number(value);
}

// A figure's name that explains itself on hover and on focus (a tooltip the reader announces).
function explained(name, text, help) {
  const tip = uid('tip');
  return h('span', { class: 'explained', tabindex: '0', 'aria-describedby': tip },
    text, h('span', { class: 'tip', role: 'tooltip', id: tip }, help));
}

function change(figure) {
  if (figure.change === null) {
    const before = Number(figure.previous || 0); const now = Number(figure.value || 0);
    return h('span', { class: 'delta' }, before === 0 && now !== 0 ? w('newFigure') : w('noChange'));
  }
  const ratio = Number(figure.change);
  if (ratio === 0) return h('span', { class: 'delta' }, w('noChange'));
  return h('span', { class: ratio > 0 ? 'delta up' : 'delta down' },
    `${ratio > 0 ? '▲' : '▼'} ${percent(Math.abs(ratio))}`);
}

function card(name, figure, currency) {
  return h('div', { class: 'card kpi', 'data-figure': name },
    h('p', { class: 'stat-label' }, explained(name, w(name), w(name + '_help'))),
    h('p', { class: 'stat' }, show(name, figure.value, currency)),
    h('p', { class: 'hint' }, change(figure), ' · ', w('previous', { value: show(name, figure.previous, currency) })));
}

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  for (const child of children) if (child) node.append(child);
  return node;
}

// A line chart of the series: referred revenue and all revenue per bucket, with a table fallback.
function trendChart(data) {
  const points = data.series;
  const width = 640; const height = 220; const pad = 36;
  const top = Math.max(1, ...points.map((p) => Number(p.revenue)));
  const x = (i) => pad + (points.length < 2 ? (width - 2 * pad) / 2 : (i * (width - 2 * pad)) / (points.length - 1));
  const y = (v) => height - pad - (Number(v) / top) * (height - 2 * pad);
  const line = (key) => points.map((p, i) => `${i ? 'L' : 'M'}${x(i).toFixed(1)},${y(p[key]).toFixed(1)}`).join(' ');
  const title = w('chartLabel', { unit: w('unit_' + data.granularity), from: day(data.period.start), to: day(data.period.end) });
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': title, class: 'chart' },
    svg('line', { x1: pad, y1: height - pad, x2: width - pad, y2: height - pad, class: 'axis' }),
    svg('text', { x: pad, y: pad - 12, class: 'tick' }, money(top, data.currency)),
    svg('path', { d: line('revenue'), class: 'series all' }),
    svg('path', { d: line('referred_revenue'), class: 'series referred' }),
    svg('text', { x: pad, y: height - 12, class: 'tick' }, day(points[0].start)),
    svg('text', { x: width - pad, y: height - 12, class: 'tick', 'text-anchor': 'end' }, day(points[points.length - 1].start)));
  const legend = h('p', { class: 'legend' },
    h('span', { class: 'key referred' }), explained('referred_revenue', w('referred_revenue'), w('referred_revenue_help')), ' ',
    h('span', { class: 'key all' }), explained('revenue', w('revenue'), w('revenue_help')));
  return h('section', { class: 'card', 'aria-labelledby': 'db-trend' },
    h('h2', { id: 'db-trend' }, w('trend')), h('p', { class: 'hint' }, w('trendHelp')), legend, chart);
}

// The funnel as bars, each as wide as its share of the largest step.
function funnelChart(data) {
  const most = Math.max(1, ...data.funnel.map((s) => s.count));
  const rows = data.funnel.map((s) => h('li', { class: 'step', 'data-step': s.step },
    h('span', { class: 'step-name' }, explained(s.step, w(s.step), w(s.step + '_help'))),
    h('span', { class: 'bar-track' }, h('span', { class: 'bar', style: `width: ${Math.max(1, (100 * s.count) / most).toFixed(1)}%` })),
    h('span', { class: 'step-count' }, number(s.count)),
    h('span', { class: 'step-rate' }, s.conversion === null ? '' : percent(s.conversion))));
  return h('section', { class: 'card', 'aria-labelledby': 'db-funnel' },
    h('h2', { id: 'db-funnel' }, w('funnel')), h('p', { class: 'hint' }, w('funnelHelp')),
    h('ol', { class: 'funnel' }, rows));
}

function groupsTable(data) {
  const rows = GROUP_ROWS.map((name) => {
    const key = name === 'customers' ? 'customers_n' : name;
    return h('tr', { 'data-row': name },
      h('th', { scope: 'row' }, explained(key, w(key), w(key + '_help'))),
      ...['referred', 'other'].map((group) => h('td', {}, show(name, data.customers[group][name], data.currency))));
  });
  return h('section', { class: 'card', 'aria-labelledby': 'db-groups' },
    h('h2', { id: 'db-groups' }, w('customers')),
    table(w('customers'), [w('figure'), w('referred'), w('other')], rows));
}

function qualityTable(data) {
  const body = data.quality.length
    ? table(w('quality'), [w('check'), w('flagged'), w('rejected')], data.quality.map((q) => h('tr', { 'data-check': q.check },
      h('td', {}, label(q.check)),
      h('td', {}, `${number(q.flagged)} (${percent(q.flagged_share || 0)})`),
      h('td', {}, `${number(q.rejected)} (${percent(q.rejected_share || 0)})`))))
    : h('p', { class: 'hint' }, w('noQuality'));
  return h('section', { class: 'card', 'aria-labelledby': 'db-quality' }, h('h2', { id: 'db-quality' }, w('quality')), body);
}

function channelList(title, rows, none) {
  return h('div', {}, h('h3', {}, title), rows.length
    ? h('ul', { class: 'lines' }, rows.map((r) => h('li', {}, `${label(r.channel)}: ${number(r.count)}`)))
    : h('p', { class: 'hint' }, none));
}

function rankings(data) {
  const channels = h('section', { class: 'card', 'aria-labelledby': 'db-channels' }, h('h2', { id: 'db-channels' }, w('channels')),
    channelList(w('sharesBy'), data.channels.shares, w('noShares')),
    channelList(w('referralsBy'), data.channels.referrals, w('noReferrals')));
  const top = h('section', { class: 'card', 'aria-labelledby': 'db-top' }, h('h2', { id: 'db-top' }, w('top')),
    data.top_advocates.length
      ? table(w('top'), [w('advocate'), w('code'), w('referrals')], data.top_advocates.map((a) => h('tr', {},
        h('td', {}, a.name || `#${a.id}`), h('td', {}, a.code), h('td', {}, number(a.referrals)))))
      : h('p', { class: 'hint' }, w('noTop')));
  const out = [channels, top];
  if (data.contest) {
    out.push(h('section', { class: 'card', 'aria-labelledby': 'db-contest' }, h('h2', { id: 'db-contest' }, w('contest', { name: data.contest.name })),
      table(w('contest', { name: data.contest.name }), [w('rank'), w('advocate'), w('referrals')], data.contest.standings.map((s) => h('tr', {},
        h('td', {}, number(s.rank)), h('td', {}, s.name || `#${s.advocate_id}`), h('td', {}, number(s.referrals)))))));
  }
  return h('div', { class: 'grid wide' }, out);
}

function picker(ctx, onShow) {
  const preset = h('select', { id: 'db-preset', onchange: () => { custom.hidden = preset.value !== 'custom'; } },
    ...[...Object.keys(PRESETS), 'custom'].map((name) => h('option', { value: name, selected: state.preset === name }, w(name))));
  const period = periodOf();
  const start = h('input', { type: 'date', id: 'db-start', value: state.start || period.start });
  const end = h('input', { type: 'date', id: 'db-end', value: state.end || period.end });
  const granularity = h('select', { id: 'db-granularity' },
    ...['day', 'week', 'month'].map((g) => h('option', { value: g, selected: state.granularity === g }, w('by' + g))));
  const custom = h('div', { class: 'row', hidden: state.preset !== 'custom' }, field(w('start'), start), field(w('end'), end));
  const error = h('p', { class: 'field-error', role: 'alert', hidden: true });
  const go = button(w('show'), () => {
    if (preset.value === 'custom' && (!start.value || !end.value || start.value > end.value)) {
      error.textContent = w('badDates'); error.hidden = false; return;
    }
    error.hidden = true;
    Object.assign(state, { preset: preset.value, start: start.value, end: end.value, granularity: granularity.value });
    busy(go, onShow, (e) => error.replaceWith(error, ctx.errorBox(e)));
  }, { primary: true });
  return h('form', { class: 'card filters', onsubmit: (e) => { e.preventDefault(); go.click(); } },
    h('div', { class: 'row' }, field(w('period'), preset), custom, field(w('by'), granularity), go), error);
}

function downloads(ctx, period) {
  const box = h('div', { class: 'row' });
  for (const kind of ['referrals', 'advocates', 'rewards', 'kpis']) {
    const file = `${kind}.csv`;
    const query = new URLSearchParams({ start: period.start, end: period.end });
    const go = button(w('export_' + kind), () => busy(go, async () => {
      await ctx.download(`/exports/${file}?${query}`, file);
      ctx.toast(w('downloaded', { file }));
    }, (e) => box.append(ctx.errorBox(e))), { 'data-export': kind });
    box.append(go);
  }
  return h('section', { class: 'card', 'aria-labelledby': 'db-exports' },
    h('h2', { id: 'db-exports' }, w('exports')), h('p', { class: 'hint' }, w('exportsHelp')), box);
}

async function draw(body, ctx) {
  const period = periodOf();
  const query = new URLSearchParams({ start: period.start, end: period.end, granularity: state.granularity });
  const data = await ctx.api('GET', `/analytics?${query}`);
  const f = data.figures;
  const quiet = data.funnel.every((s) => !s.count) && !f.orders.value;
  body.replaceChildren(...[
    h('p', { class: 'hint period-line' }, `${day(data.period.start)} – ${day(data.period.end)} `,
      w('vs', { from: day(data.previous_period.start), to: day(data.previous_period.end) })),
    quiet ? h('section', { class: 'card' }, empty(w('nothing'), w('nothingNext'))) : null,
    h('section', { 'aria-labelledby': 'db-money' }, h('h2', { id: 'db-money' }, w('money')),
      h('div', { class: 'grid' }, MONEY_CARDS.map((name) => card(name, f[name], data.currency)))),
    h('div', { class: 'grid wide' }, trendChart(data), funnelChart(data)),
    groupsTable(data), qualityTable(data), rankings(data), downloads(ctx, data.period)].filter(Boolean));
}

export default {
  async render(root, ctx) {
    const body = h('div', { class: 'dashboard', 'aria-live': 'polite' });
    root.append(picker(ctx, () => draw(body, ctx)), body);
    await draw(body, ctx);
  },
};
