// Referrals: the review queue (approve or reject, with a note), every referral filtered by state
// and date, and one referral's evidence and every check in plain words.
import { words, when, label, money } from '../i18n.js';
import { h, empty, table, button, busy, field } from '../dom.js';

const w = words({
  en: {
    queue: 'Waiting for your review', queueEmpty: 'No referral waits for your review.',
    queueEmptyNext: 'Referrals a fraud check holds for review appear here.',
    all: 'All referrals', state: 'State', since: 'From', until: 'To', apply: 'Apply filters',
    none: 'No referrals match.', noneNext: 'Referrals appear when a friend orders with an advocate’s link or code. Widen the dates or choose another state.',
    order: 'Order', total: 'Order total', why: 'Why it is in review', approve: 'Approve', reject: 'Reject',
    approveTitle: 'Approve referral {id}?', approveBody: 'It finishes its waiting time as pending and then rewards as your program says.',
    rejectTitle: 'Reject referral {id}?', rejectBody: 'Nothing is issued for it. This cannot be undone.',
    approved: 'Referral {id} approved.', rejected: 'Referral {id} rejected.', open: 'Details',
    evidence: 'How the friend was referred', checks: 'Checks', history: 'History', rewardsTitle: 'Rewards',
    explanation: 'The decision in words', matched: 'counted', notMatched: 'not counted',
    noRewards: 'No rewards.', choiceAdvocate: 'chosen by the advocate: {choice}', choiceDefault: 'the default, not chosen in time: {choice}',
    choiceDue: 'awaiting the advocate’s choice (the default on {when})', noChecks: 'No check found anything.', advocate: 'Advocate', held: 'Held until',
    verdict_pass: 'passed', verdict_flag: 'held for review', verdict_block: 'refused', verdict_info: 'noted',
    by: '{event} by {who}',
  },
  es: {
    queue: 'Esperando tu revisión', queueEmpty: 'Ningún referido espera tu revisión.',
    queueEmptyNext: 'Aquí aparecen los referidos que una comprobación de fraude retiene para revisión.',
    all: 'Todos los referidos', state: 'Estado', since: 'Desde', until: 'Hasta', apply: 'Aplicar filtros',
    none: 'Ningún referido coincide.', noneNext: 'Los referidos aparecen cuando un amigo compra con el enlace o el código de un embajador. Amplía las fechas o elige otro estado.',
    order: 'Pedido', total: 'Total del pedido', why: 'Por qué está en revisión', approve: 'Aprobar', reject: 'Rechazar',
    approveTitle: '¿Aprobar el referido {id}?', approveBody: 'Termina su espera como pendiente y después recompensa según tu programa.',
    rejectTitle: '¿Rechazar el referido {id}?', rejectBody: 'No se emite nada por él. No se puede deshacer.',
    approved: 'Referido {id} aprobado.', rejected: 'Referido {id} rechazado.', open: 'Detalles',
    evidence: 'Cómo llegó el amigo', checks: 'Comprobaciones', history: 'Historial', rewardsTitle: 'Recompensas',
    explanation: 'La decisión explicada', matched: 'contó', notMatched: 'no contó',
    noRewards: 'Sin recompensas.', choiceAdvocate: 'elegida por el embajador: {choice}', choiceDefault: 'la predeterminada, sin elegir a tiempo: {choice}',
    choiceDue: 'esperando la elección del embajador (la predeterminada el {when})', noChecks: 'Ninguna comprobación encontró nada.', advocate: 'Embajador', held: 'Retenido hasta',
    verdict_pass: 'superada', verdict_flag: 'retenido para revisión', verdict_block: 'rechazado', verdict_info: 'anotado',
    by: '{event} por {who}',
  },
});

const STATES = ['pending', 'flagged', 'approved', 'rewarded', 'rejected', 'reversed'];

export default {
  async render(root, ctx) {
    const view = h('div', {});
    root.append(view);
    await showLists(view, ctx);
  },
};

function detailLink(view, ctx, r) {
  return h('a', { href: '#', onclick: (e) => { e.preventDefault(); showOne(view, ctx, r.id); } }, `#${r.id}`);
}

async function showLists(view, ctx) {
  const review = await ctx.api('GET', '/review');
  const queue = h('section', { class: 'card', 'aria-labelledby': 'queue-title' }, h('h2', { id: 'queue-title' }, w('queue')));
  if (!review.referrals.length) queue.append(empty(w('queueEmpty'), w('queueEmptyNext')));
  for (const r of review.referrals) queue.append(reviewItem(view, ctx, r));

  const state = h('select', { id: 'referral-state' }, h('option', { value: '' }, w('common.all')), STATES.map((s) => h('option', { value: s }, label(s))));
  const since = h('input', { id: 'referral-since', type: 'date' });
  const until = h('input', { id: 'referral-until', type: 'date' });
  const apply = button(w('apply'), null, { type: 'submit' });
  const results = h('div', { 'aria-live': 'polite' });
  const more = h('div', { class: 'actions' });
  let cursor = null;
  const filters = h('form', { class: 'row' }, field(w('state'), state), field(w('since'), since), field(w('until'), until), apply);

  async function load(append) {
    const params = new URLSearchParams({ limit: '25' });
    if (state.value) params.set('state', state.value);
    if (since.value) params.set('since', since.value);
    if (until.value) {
      const end = new Date(until.value + 'T00:00:00Z');
      end.setUTCDate(end.getUTCDate() + 1); // the whole day chosen
      params.set('until', end.toISOString().slice(0, 10));
    }
    if (append && cursor) params.set('cursor', cursor);
    const page = await ctx.api('GET', `/referrals?${params}`);
    cursor = page.next_cursor || null;
    const rows = page.referrals.map((r) => h('tr', {}, h('td', {}, detailLink(view, ctx, r)), h('td', {}, r.order_id || '—'),
      h('td', {}, label(r.state)), h('td', { class: 'num' }, money(r.order_total, r.currency)), h('td', {}, when(r.created_at))));
    if (append) results.querySelector('tbody').append(...rows);
    else results.replaceChildren(rows.length ? table(w('all'), ['#', w('order'), w('state'), w('total'), w('common.date')], rows) : empty(w('none'), w('noneNext')));
    more.replaceChildren(cursor ? button(w('common.more'), (e) => busy(e.currentTarget, () => load(true), (err) => more.append(ctx.errorBox(err)))) : '');
  }
  filters.addEventListener('submit', (event) => {
    event.preventDefault();
    busy(apply, () => load(false), (e) => results.replaceChildren(ctx.errorBox(e)));
  });
  view.replaceChildren(queue, h('section', { class: 'card', 'aria-labelledby': 'all-title' }, h('h2', { id: 'all-title' }, w('all')), filters, results, more));
  await load(false);
}

function reviewItem(view, ctx, r) {
  const note = h('textarea', { id: `note-${r.id}`, rows: 2 });
  const out = h('div', { 'aria-live': 'polite' });
  const decide = (verb) => async (event) => {
    const control = event.currentTarget;
    const approving = verb === 'approve';
    const sure = await ctx.confirmAction({
      title: w(approving ? 'approveTitle' : 'rejectTitle', { id: r.id }),
      body: w(approving ? 'approveBody' : 'rejectBody'), confirm: w(verb), danger: !approving });
    if (!sure) return;
    const done = await busy(control, () => ctx.api('POST', `/referrals/${r.id}/${verb}`, { note: note.value.trim() || null }),
      (e) => out.replaceChildren(ctx.errorBox(e)));
    if (!done) return;
    ctx.toast(w(approving ? 'approved' : 'rejected', { id: r.id }));
    showLists(view, ctx).catch((e) => view.replaceChildren(ctx.errorBox(e)));
  };
  return h('article', { class: 'card review-item', 'aria-label': `${w('order')} ${r.order_id || r.id}` },
    h('p', {}, h('strong', {}, detailLink(view, ctx, r)), ` · ${w('order')} ${r.order_id || '—'} · ${money(r.order_total, r.currency)} · ${when(r.created_at)}`),
    h('p', {}, `${w('why')}: `, h('strong', {}, r.reason_text || label(r.state_reason))),
    field(w('common.note'), note),
    h('div', { class: 'actions' },
      button(w('reject'), decide('reject'), { danger: true, 'aria-label': `${w('reject')} #${r.id}` }),
      button(w('approve'), decide('approve'), { primary: true, 'aria-label': `${w('approve')} #${r.id}` })),
    out);
}

async function showOne(view, ctx, id) {
  let d;
  try { d = await ctx.api('GET', `/referrals/${id}`); } catch (error) { view.replaceChildren(ctx.errorBox(error)); return; }
  const r = d.referral;
  const back = button(w('common.back'), () => showLists(view, ctx));
  const evidence = d.evidence.length
    ? h('ul', { class: 'lines evidence' }, d.evidence.map((e) => h('li', {}, e.message, ' ',
      h('span', { class: e.matched ? 'badge good' : 'badge' }, e.matched ? w('matched') : w('notMatched')))))
    : h('p', {}, '—');
  const checks = d.findings.length
    ? h('ul', { class: 'lines findings' }, d.findings.map((f) => h('li', {}, f.message, ' ',
      h('span', { class: f.verdict === 'block' ? 'badge bad' : f.verdict === 'flag' ? 'badge warn' : 'badge' }, w(`verdict_${f.verdict}`)))))
    : h('p', {}, w('noChecks'));
  const history = h('ul', { class: 'lines' }, d.transitions.map((t) => h('li', {},
    `${when(t.at)} · ${label(t.from_state)} → ${label(t.to_state)} · ${w('by', { event: t.event, who: t.cause_ref })}`,
    t.note ? ` · “${t.note}”` : '')));
  const rewards = d.rewards.length
    ? h('ul', { class: 'lines' }, d.rewards.map((x) => h('li', {}, `${label(x.side)}: ${label(x.kind)} ${x.points ?? money(x.amount, x.currency)} · ${label(x.status)}`,
      x.choice ? h('span', { class: 'choice' }, ` · ${w(x.chosen_by === 'default' ? 'choiceDefault' : 'choiceAdvocate', { choice: x.choice })}`) : null,
      x.choice_due_at ? h('span', { class: 'choice' }, ` · ${w('choiceDue', { when: when(x.choice_due_at) })}`) : null)))
    : h('p', {}, w('noRewards'));
  view.replaceChildren(
    h('div', { class: 'actions', style: 'justify-content:flex-start' }, back),
    h('section', { class: 'card' }, h('h2', { id: 'referral-title', tabindex: '-1' }, `#${r.id} · ${label(r.state)}`),
      h('dl', { class: 'facts' }, h('dt', {}, w('order')), h('dd', {}, r.order_id || '—'),
        h('dt', {}, w('total')), h('dd', {}, money(r.order_total, r.currency)),
        h('dt', {}, w('held')), h('dd', {}, when(r.hold_until)),
        h('dt', {}, w('common.date')), h('dd', {}, when(r.created_at)))),
    h('section', { class: 'card' }, h('h2', {}, w('explanation')), h('ul', { class: 'lines explanation' }, d.explanation.map((line) => h('li', {}, line)))),
    h('div', { class: 'columns' },
      h('div', {}, h('section', { class: 'card' }, h('h2', {}, w('evidence')), evidence),
        h('section', { class: 'card' }, h('h2', {}, w('checks')), checks)),
      h('div', {}, h('section', { class: 'card' }, h('h2', {}, w('history')), history),
        h('section', { class: 'card' }, h('h2', {}, w('rewardsTitle')), rewards))));
  view.querySelector('#referral-title').focus();
}
