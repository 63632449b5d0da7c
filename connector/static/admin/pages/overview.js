// Overview: what needs the merchant's attention, then the program's counts to date.
import { words, number, label, money } from '../i18n.js';
import { h, empty } from '../dom.js';

const w = words({
  en: {
    attention: 'Needs your attention', allClear: 'Nothing needs your attention.',
    allClearNext: 'New referrals in review, failed deliveries and payouts to make will show here.',
    review: { one: '{n} referral waits for your review', other: '{n} referrals wait for your review' },
    dead: { one: '{n} webhook delivery gave up', other: '{n} webhook deliveries gave up' },
    failed: { one: '{n} reward could not be created in your store', other: '{n} rewards could not be created in your store' },
    payouts: { one: '{n} cash or donation payout to make', other: '{n} cash or donation payouts to make' },
    reauth: 'Your store needs to be connected again: {reason}', open: 'Open',
    budgetWarning: 'The {period} rewards budget is {percent}% used: {used} of {amount}.',
    budgetReached: 'The {period} rewards budget is spent ({used} of {amount}): new referrals wait for your review.',
    counts: 'To date', advocates: 'Advocates', clicks: 'Link clicks', referrals: 'Referrals',
    program: 'Live program', defaults: 'You have not chosen a program yet: the defaults apply.',
    start: 'Get started', version: '“{name}”, version {version}',
  },
  es: {
    attention: 'Requiere tu atención', allClear: 'Nada requiere tu atención.',
    allClearNext: 'Aquí aparecerán los referidos en revisión, las entregas fallidas y los pagos pendientes.',
    review: { one: '{n} referido espera tu revisión', other: '{n} referidos esperan tu revisión' },
    dead: { one: '{n} entrega de webhook se abandonó', other: '{n} entregas de webhooks se abandonaron' },
    failed: { one: '{n} recompensa no se pudo crear en tu tienda', other: '{n} recompensas no se pudieron crear en tu tienda' },
    payouts: { one: '{n} pago en efectivo o donación por hacer', other: '{n} pagos en efectivo o donaciones por hacer' },
    reauth: 'Tu tienda necesita volver a conectarse: {reason}', open: 'Abrir',
    budgetWarning: 'El presupuesto de recompensas de {period} está usado al {percent} %: {used} de {amount}.',
    budgetReached: 'El presupuesto de recompensas de {period} se agotó ({used} de {amount}): los nuevos referidos esperan tu revisión.',
    counts: 'Hasta hoy', advocates: 'Embajadores', clicks: 'Clics en enlaces', referrals: 'Referidos',
    program: 'Programa activo', defaults: 'Aún no has elegido un programa: se aplica el predeterminado.',
    start: 'Primeros pasos', version: '«{name}», versión {version}',
  },
});

export default {
  async render(root, ctx) {
    const data = await ctx.api('GET', '/overview');
    const a = data.attention;
    const items = [];
    const item = (text, page) => h('li', {}, text, ' ', h('a', { href: ctx.hrefFor(page), onclick: (e) => { e.preventDefault(); ctx.navigate(page); } }, w('open')));
    if (a.store && a.store.status !== 'active') items.push(item(w('reauth', { reason: a.store.reason || a.store.status }), 'settings'));
    if (a.review) items.push(item(w('review', { n: a.review }), 'referrals'));
    if (a.dead_deliveries) items.push(item(w('dead', { n: a.dead_deliveries }), 'deliveries'));
    if (a.failed_rewards) items.push(item(w('failed', { n: a.failed_rewards }), 'advocates'));
    if (a.payouts_to_pay) items.push(item(w('payouts', { n: a.payouts_to_pay }), 'payouts'));
    const b = a.budget;
    if (b && b.level !== 'ok') {
      items.push(item(w(b.level === 'reached' ? 'budgetReached' : 'budgetWarning', { period: b.period, percent: b.percent,
        used: money(b.used, b.currency), amount: money(b.amount, b.currency) }), b.level === 'reached' ? 'referrals' : 'program'));
    }
    const attention = h('section', { class: 'card', 'aria-labelledby': 'ov-attention' }, h('h2', { id: 'ov-attention' }, w('attention')),
      items.length ? h('ul', { class: 'lines attention' }, items) : empty(w('allClear'), w('allClearNext')));

    const program = h('section', { class: 'card' }, h('h2', {}, w('program')),
      data.program.default
        ? h('p', {}, w('defaults'), ' ', h('a', { href: ctx.hrefFor('start'), onclick: (e) => { e.preventDefault(); ctx.navigate('start'); } }, w('start')))
        : h('p', {}, w('version', { name: data.program.name, version: data.program.version })));

    const c = data.counts;
    const stat = (value, text) => h('div', { class: 'card' }, h('p', { class: 'stat' }, number(value)), h('p', { class: 'stat-label' }, text));
    const byState = Object.entries(c.referrals || {});
    const total = byState.reduce((sum, [, n]) => sum + n, 0);
    const counts = h('section', { 'aria-labelledby': 'ov-counts' }, h('h2', { id: 'ov-counts' }, w('counts')),
      h('div', { class: 'grid' }, stat(c.advocates, w('advocates')), stat(c.clicks, w('clicks')), stat(total, w('referrals')),
        ...byState.map(([state, n]) => stat(n, label(state)))));
    root.append(attention, program, counts);
  },
};
