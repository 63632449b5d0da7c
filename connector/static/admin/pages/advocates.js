// Advocates: search by email, code or name; one advocate's link, code, clicks, friends, rewards
// and points; manual adjustments (points, a reward) with a reason; block and unblock; enrol.
import { words, when, label, money, number } from '../i18n.js';
import { h, empty, table, button, busy, field, setFieldError } from '../dom.js';

const w = words({
  en: {
    search: 'Search advocates', searchHint: 'An email, a code or a name.', find: 'Search',
    none: 'No advocates yet.', noneNext: 'Shoppers join from the widget in your store, or enrol one below.',
    noMatch: 'No advocate matches “{q}”.', noMatchNext: 'Try the start of their email or name, or their exact code.',
    name: 'Name', email: 'Email', code: 'Code', status: 'Status', joined: 'Joined',
    enrol: 'Enrol an advocate', enrolEmail: 'Their email', enrolName: 'Their name (optional)', enrolDo: 'Enrol',
    enrolled: '{email} is enrolled.', already: '{email} was already enrolled.',
    link: 'Share link', clicks: 'Link clicks', friends: 'Friends who bought', points: 'Points',
    referrals: 'Referrals', rewards: 'Rewards', noRewards: 'No rewards yet.', recent: 'Recent referrals',
    noReferrals: 'No referrals yet.', adjustments: 'Adjustments', noAdjustments: 'No manual adjustments.',
    adjust: 'Adjust', pointsTitle: 'Add or remove points', pointsAmount: 'Points (negative to remove)',
    reason: 'Reason (shown in the history)', givePoints: 'Apply points', pointsDone: 'Points updated: the balance is {points}.',
    rewardTitle: 'Grant a reward', rewardKind: 'Reward', rewardValue: 'Value', giveReward: 'Grant reward',
    rewardDone: 'Reward granted.', rewardConfirm: 'Grant this reward?', rewardBody: '{what} for {who}. It is created in your store and cannot be taken back from here.',
    block: 'Block', unblock: 'Unblock', blockTitle: 'Block {who}?',
    blockBody: 'Their link and code stop earning rewards until you unblock them. Rewards already issued stay.',
    unblockTitle: 'Unblock {who}?', unblockBody: 'Their link and code earn rewards again.',
    blocked: '{who} is blocked.', unblocked: '{who} is unblocked.', needReason: 'Say why, so your team knows later.',
    by: 'by {who}', side: 'Side', kind: 'Kind', value: 'Value', adjKind: 'Change', order: 'Order',
    pointsKind: '{n} points', rewardKind2: 'Reward', blockKind: 'Blocked', unblockKind: 'Unblocked',
    ledger: 'Points history', noLedger: 'No points yet.', tier: 'VIP tier', movement: 'Movement', about: 'For',
    expires: 'Expires', 'entry.earn': 'Earned', 'entry.redeem': 'Redeemed', 'entry.expire': 'Expired',
    'entry.reversal': 'Given back', 'entry.refund': 'Order refunded', 'entry.adjust': 'Adjusted',
    terms: 'Terms accepted', termsAccepted: 'Version {version}, {at}', noTerms: 'None (joined without terms)',
  },
  es: {
    search: 'Buscar embajadores', searchHint: 'Un correo, un código o un nombre.', find: 'Buscar',
    none: 'Aún no hay embajadores.', noneNext: 'Los clientes se unen desde el widget de tu tienda, o inscribe uno abajo.',
    noMatch: 'Ningún embajador coincide con «{q}».', noMatchNext: 'Prueba con el principio de su correo o nombre, o su código exacto.',
    name: 'Nombre', email: 'Correo', code: 'Código', status: 'Estado', joined: 'Alta',
    enrol: 'Inscribir a un embajador', enrolEmail: 'Su correo', enrolName: 'Su nombre (opcional)', enrolDo: 'Inscribir',
    enrolled: '{email} está inscrito.', already: '{email} ya estaba inscrito.',
    link: 'Enlace para compartir', clicks: 'Clics en el enlace', friends: 'Amigos que compraron', points: 'Puntos',
    referrals: 'Referidos', rewards: 'Recompensas', noRewards: 'Aún no hay recompensas.', recent: 'Referidos recientes',
    noReferrals: 'Aún no hay referidos.', adjustments: 'Ajustes', noAdjustments: 'No hay ajustes manuales.',
    adjust: 'Ajustar', pointsTitle: 'Sumar o quitar puntos', pointsAmount: 'Puntos (negativo para quitar)',
    reason: 'Motivo (aparece en el historial)', givePoints: 'Aplicar puntos', pointsDone: 'Puntos actualizados: el saldo es {points}.',
    rewardTitle: 'Dar una recompensa', rewardKind: 'Recompensa', rewardValue: 'Valor', giveReward: 'Dar recompensa',
    rewardDone: 'Recompensa concedida.', rewardConfirm: '¿Dar esta recompensa?', rewardBody: '{what} para {who}. Se crea en tu tienda y no se puede retirar desde aquí.',
    block: 'Bloquear', unblock: 'Desbloquear', blockTitle: '¿Bloquear a {who}?',
    blockBody: 'Su enlace y su código dejan de ganar recompensas hasta que lo desbloquees. Las recompensas ya emitidas se mantienen.',
    unblockTitle: '¿Desbloquear a {who}?', unblockBody: 'Su enlace y su código vuelven a ganar recompensas.',
    blocked: '{who} está bloqueado.', unblocked: '{who} está desbloqueado.', needReason: 'Indica el motivo, para que tu equipo lo sepa después.',
    by: 'por {who}', side: 'Lado', kind: 'Tipo', value: 'Valor', adjKind: 'Cambio', order: 'Pedido',
    pointsKind: '{n} puntos', rewardKind2: 'Recompensa', blockKind: 'Bloqueado', unblockKind: 'Desbloqueado',
    ledger: 'Historial de puntos', noLedger: 'Aún no tiene puntos.', tier: 'Nivel VIP', movement: 'Movimiento', about: 'Por',
    expires: 'Caduca', 'entry.earn': 'Ganados', 'entry.redeem': 'Canjeados', 'entry.expire': 'Caducados',
    'entry.reversal': 'Devueltos', 'entry.refund': 'Pedido reembolsado', 'entry.adjust': 'Ajustados',
    terms: 'Condiciones aceptadas', termsAccepted: 'Versión {version}, {at}', noTerms: 'Ninguna (se unió sin condiciones)',
  },
});

const GRANTS = ['fixed_amount_discount', 'percentage_discount', 'free_shipping', 'store_credit', 'gift_card', 'cash'];

function key() {
  return (crypto.randomUUID && crypto.randomUUID()) || `${Date.now()}-${Math.random()}`;
}

function who(a) {
  return a.name || a.email || a.friend_code;
}

export default {
  async render(root, ctx) {
    const view = h('div', {});
    root.append(view);
    await showList(view, ctx, '');
  },
};

async function showList(view, ctx, query) {
  const q = h('input', { id: 'advocate-search', type: 'search', value: query, autocomplete: 'off' });
  const find = button(w('find'), null, { type: 'submit', primary: true });
  const results = h('div', { 'aria-live': 'polite' });
  const more = h('div', { class: 'actions' });
  const form = h('form', { role: 'search', class: 'row' }, field(w('search'), q, { hint: w('searchHint') }), find);
  let cursor = null;

  async function load(append) {
    const params = new URLSearchParams({ limit: '25' });
    if (q.value.trim()) params.set('q', q.value.trim());
    if (append && cursor) params.set('cursor', cursor);
    const page = await ctx.api('GET', `/advocates?${params}`);
    cursor = page.next_cursor;
    const rows = page.advocates.map((a) => h('tr', {},
      h('td', {}, h('a', { href: '#', onclick: (e) => { e.preventDefault(); showOne(view, ctx, a.id, q.value); } }, a.name || '—')),
      h('td', {}, a.email || '—'), h('td', {}, h('code', {}, a.friend_code)),
      h('td', {}, h('span', { class: a.status === 'blocked' ? 'badge bad' : 'badge good' }, label(a.status))),
      h('td', {}, when(a.created_at))));
    if (!append) {
      if (!rows.length) {
        results.replaceChildren(q.value.trim() ? empty(w('noMatch', { q: q.value.trim() }), w('noMatchNext')) : empty(w('none'), w('noneNext')));
      } else {
        results.replaceChildren(table(w('search'), [w('name'), w('email'), w('code'), w('status'), w('joined')], rows));
      }
    } else {
      results.querySelector('tbody').append(...rows);
    }
    more.replaceChildren(cursor ? button(w('common.more'), (e) => busy(e.currentTarget, () => load(true), (err) => more.append(ctx.errorBox(err)))) : '');
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    busy(find, () => load(false), (e) => results.replaceChildren(ctx.errorBox(e)));
  });
  view.replaceChildren(h('section', { class: 'card' }, form, results, more), enrolCard(view, ctx));
  await load(false);
}

function enrolCard(view, ctx) {
  const email = h('input', { id: 'enrol-email', type: 'email', autocomplete: 'off' });
  const name = h('input', { id: 'enrol-name', type: 'text', autocomplete: 'off' });
  const go = button(w('enrolDo'), null, { type: 'submit' });
  const out = h('div', { 'aria-live': 'polite' });
  const form = h('form', { novalidate: true }, h('div', { class: 'fields' }, field(w('enrolEmail'), email), field(w('enrolName'), name)),
    h('div', { class: 'actions' }, go), out);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    setFieldError(email, '');
    const done = await busy(go, () => ctx.api('POST', '/advocates', { email: email.value.trim(), name: name.value.trim() }), (e) => {
      setFieldError(email, e.detail || e.message);
    });
    if (!done) return;
    ctx.toast(w(done.created ? 'enrolled' : 'already', { email: done.advocate.email }));
    showOne(view, ctx, done.advocate.id, '');
  });
  return h('section', { class: 'card' }, h('h2', {}, w('enrol')), form);
}

async function showOne(view, ctx, id, query) {
  let data;
  try {
    data = await ctx.api('GET', `/advocates/${id}`);
  } catch (error) {
    view.replaceChildren(ctx.errorBox(error));
    return;
  }
  const a = data.advocate;
  const back = button(w('common.back'), () => showList(view, ctx, query));
  const facts = h('dl', { class: 'facts' },
    h('dt', {}, w('email')), h('dd', {}, a.email || '—'),
    h('dt', {}, w('code')), h('dd', {}, h('code', {}, a.friend_code)),
    h('dt', {}, w('link')), h('dd', {}, h('a', { href: a.share_link, target: '_blank', rel: 'noopener' }, a.share_link)),
    h('dt', {}, w('status')), h('dd', {}, h('span', { class: a.status === 'blocked' ? 'badge bad' : 'badge good' }, label(a.status))),
    h('dt', {}, w('joined')), h('dd', {}, when(a.created_at)),
    h('dt', {}, w('terms')), h('dd', { 'data-k': 'terms' }, data.terms
      ? w('termsAccepted', { version: data.terms.version, at: when(data.terms.accepted_at) }) : w('noTerms')),
    data.vip_tier ? h('dt', {}, w('tier')) : null, data.vip_tier ? h('dd', {}, data.vip_tier) : null);
  const stat = (value, text, cls) => h('div', { class: 'card' }, h('p', { class: `stat ${cls}` }, number(value)), h('p', { class: 'stat-label' }, text));
  const referralTotal = Object.values(data.referrals || {}).reduce((s, n) => s + n, 0);
  const stats = h('div', { class: 'grid' }, stat(data.clicks ?? 0, w('clicks'), 'clicks'), stat(data.friends ?? 0, w('friends'), 'friends'),
    stat(referralTotal, w('referrals'), 'referrals'), stat(data.points, w('points'), 'points'));

  const rewards = data.rewards.length
    ? table(w('rewards'), [w('common.date'), w('side'), w('kind'), w('value'), w('status')], data.rewards.map((r) => h('tr', {},
      h('td', {}, when(r.created_at)), h('td', {}, label(r.side)), h('td', {}, label(r.kind)),
      h('td', {}, r.points !== null && r.points !== undefined ? w('pointsKind', { n: number(r.points) }) : money(r.amount, r.currency)),
      h('td', {}, label(r.status)))))
    : h('p', {}, w('noRewards'));
  const recent = (data.recent_referrals || []).length
    ? table(w('recent'), ['#', w('order'), w('status'), w('common.date')], data.recent_referrals.map((r) => h('tr', {},
      h('td', {}, String(r.id)), h('td', {}, r.order_id || '—'), h('td', {}, label(r.state)), h('td', {}, when(r.created_at)))))
    : h('p', {}, w('noReferrals'));
  const adjustments = (data.adjustments || []).length
    ? h('ul', { class: 'lines adjustments' }, data.adjustments.map((j) => h('li', {},
      `${when(j.created_at)} · ${j.kind === 'points' ? w('pointsKind', { n: number(j.points) }) : j.kind === 'reward' ? w('rewardKind2') : j.kind === 'block' ? w('blockKind') : w('unblockKind')}`,
      ` · ${j.reason} · ${w('by', { who: j.actor })}`)))
    : h('p', {}, w('noAdjustments'));

  const ledger = (data.ledger || []).length
    ? table(w('ledger'), [w('common.date'), w('movement'), w('points'), w('about'), w('expires')], data.ledger.map((e) => h('tr', {},
      h('td', {}, when(e.created_at)), h('td', {}, w(`entry.${e.kind}`)),
      h('td', { class: 'num' }, (e.points > 0 ? '+' : '') + number(e.points)), h('td', {}, e.reference || '—'),
      h('td', {}, e.expires_at ? when(e.expires_at) : '—'))))
    : h('p', {}, w('noLedger'));

  const reload = () => showOne(view, ctx, id, query);
  view.replaceChildren(
    h('div', { class: 'actions', style: 'justify-content:flex-start' }, back),
    h('section', { class: 'card advocate', 'aria-labelledby': 'advocate-name' }, h('h2', { id: 'advocate-name' }, who(a)), facts),
    stats,
    h('div', { class: 'columns' },
      h('div', {},
        h('section', { class: 'card' }, h('h2', {}, w('rewards')), rewards),
        h('section', { class: 'card' }, h('h2', {}, w('recent')), recent),
        h('section', { class: 'card' }, h('h2', {}, w('adjustments')), adjustments),
        h('section', { class: 'card ledger' }, h('h2', {}, w('ledger')), ledger)),
      h('div', {}, pointsCard(ctx, a, reload), rewardCard(ctx, a, reload), blockCard(ctx, a, reload))));
  view.querySelector('h2').setAttribute('tabindex', '-1');
  view.querySelector('#advocate-name').focus();
}

function reasonField(prefix) {
  const input = h('input', { id: `${prefix}-reason`, type: 'text', autocomplete: 'off' });
  return [input, field(w('reason'), input)];
}

function pointsCard(ctx, a, reload) {
  const amount = h('input', { id: 'points-amount', type: 'text', inputmode: 'numeric', autocomplete: 'off' });
  const [reason, reasonBox] = reasonField('points');
  const go = button(w('givePoints'), null, { type: 'submit', primary: true });
  const out = h('div', {});
  const requestKey = key();
  const form = h('form', { novalidate: true }, field(w('pointsAmount'), amount), reasonBox, h('div', { class: 'actions' }, go), out);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    setFieldError(amount, ''); setFieldError(reason, ''); out.replaceChildren();
    if (!reason.value.trim()) { setFieldError(reason, w('needReason')); reason.focus(); return; }
    const points = /^-?\d+$/.test(amount.value.trim()) ? Number(amount.value.trim()) : amount.value.trim();
    const done = await busy(go, () => ctx.api('POST', `/advocates/${a.id}/points`, { points, reason: reason.value.trim(), request_key: requestKey }),
      (e) => fieldErrors(e, { points: amount, reason }, out, ctx));
    if (!done) return;
    ctx.toast(w('pointsDone', { points: number(done.points) }));
    reload();
  });
  return h('section', { class: 'card' }, h('h2', {}, w('pointsTitle')), form);
}

function rewardCard(ctx, a, reload) {
  const kind = h('select', { id: 'reward-kind' }, GRANTS.map((k) => h('option', { value: k }, label(k))));
  const value = h('input', { id: 'reward-value', type: 'text', inputmode: 'decimal', autocomplete: 'off' });
  const [reason, reasonBox] = reasonField('reward');
  const go = button(w('giveReward'), null, { type: 'submit', primary: true });
  const out = h('div', {});
  const requestKey = key();
  const form = h('form', { novalidate: true }, h('div', { class: 'fields' }, field(w('rewardKind'), kind), field(w('rewardValue'), value)),
    reasonBox, h('div', { class: 'actions' }, go), out);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    setFieldError(value, ''); setFieldError(reason, ''); out.replaceChildren();
    if (!reason.value.trim()) { setFieldError(reason, w('needReason')); reason.focus(); return; }
    const what = `${label(kind.value)} ${value.value.trim()}`.trim();
    const sure = await ctx.confirmAction({ title: w('rewardConfirm'), body: w('rewardBody', { what, who: who(a) }), confirm: w('giveReward') });
    if (!sure) return;
    const body = { kind: kind.value, value: value.value.trim() || '0', reason: reason.value.trim(), request_key: requestKey };
    const done = await busy(go, () => ctx.api('POST', `/advocates/${a.id}/rewards`, body),
      (e) => fieldErrors(e, { value, kind, reason }, out, ctx));
    if (!done) return;
    ctx.toast(w('rewardDone'));
    reload();
  });
  return h('section', { class: 'card' }, h('h2', {}, w('rewardTitle')), form);
}

function blockCard(ctx, a, reload) {
  const blocking = a.status !== 'blocked';
  const [reason, reasonBox] = reasonField('block');
  const go = button(blocking ? w('block') : w('unblock'), null, { type: 'submit', danger: blocking });
  const out = h('div', {});
  const form = h('form', { novalidate: true }, reasonBox, h('div', { class: 'actions' }, go), out);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    out.replaceChildren();
    const sure = await ctx.confirmAction({
      title: w(blocking ? 'blockTitle' : 'unblockTitle', { who: who(a) }),
      body: w(blocking ? 'blockBody' : 'unblockBody'), confirm: blocking ? w('block') : w('unblock'), danger: blocking });
    if (!sure) return;
    const body = reason.value.trim() ? { reason: reason.value.trim() } : {};
    const done = await busy(go, () => ctx.api('POST', `/advocates/${a.id}/${blocking ? 'block' : 'unblock'}`, body),
      (e) => fieldErrors(e, { reason }, out, ctx));
    if (!done) return;
    ctx.toast(w(blocking ? 'blocked' : 'unblocked', { who: who(a) }));
    reload();
  });
  return h('section', { class: 'card' }, h('h2', {}, blocking ? w('block') : w('unblock')), form);
}

function fieldErrors(error, controls, out, ctx) {
  let placed = false;
  for (const f of error.fields || []) {
    const control = controls[f.path];
    if (control) { setFieldError(control, f.message); placed = true; }
  }
  if (!placed) out.replaceChildren(ctx.errorBox(error));
}
