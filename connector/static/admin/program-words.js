// A program in plain words: what each side gets, a one-sentence summary and an example with
// names, so a merchant can choose without reading the fields.
import { words, money, number, getLocale, label } from './i18n.js';
import { h, field, button, busy } from './dom.js';

const w = words({
  en: {
    off: '{value}% off', amountOff: '{amount} off', shipping: 'free shipping',
    credit: '{amount} in store credit', points: '{points} points',
    pointsPer: '{points} points for every {unit} spent', share: '{value}% of the order',
    cash: '{amount} in cash', donation: 'a {amount} donation to a cause', nothing: 'nothing',
    giftCard: 'a {amount} gift card', freeProduct: 'a free {product}', aProduct: 'product',
    'title.fixed': 'A fixed reward', 'title.tiered': 'More for more referrals', 'title.milestones': 'Rewards by stage',
    'title.contest': 'A referral contest', 'title.seasonal': 'A seasonal bonus', 'title.charity': 'Give to a cause',
    'title.partnership': 'Partner brands', 'title.loyalty': 'Points and loyalty',
    'plain.fixed': 'Friends get {offer} on their first order. Your customer gets {reward} for every friend who buys.',
    'plain.tiered': 'Friends get {offer}. Your customer earns more as they refer more: {tiers}.',
    'plain.milestones': 'Rewards at each step of a friend’s journey: {stages}.',
    'plain.contest': 'Friends get {offer}, your customer gets {reward}, and the top {top} advocates of “{name}” win prizes.',
    'plain.seasonal': 'Friends get {offer} and your customer gets {reward}, multiplied by {times} during “{campaign}”.',
    'plain.charity': 'Friends get {offer}; for every friend who buys, you make {reward}.',
    'plain.partnership': 'Partner brands share their own codes; each partner earns {reward} for every customer they send.',
    'plain.loyalty': 'Your customer gets {reward} per friend, friends get {friend}, and everyone collects points on purchases.',
    'plain.other': 'Friends get {offer}. Your customer gets {reward} for every friend who buys.',
    tier: '{reward} for referrals up to {n}', tierRest: '{reward} after that',
    stage: '{stage}: {reward}',
    example: 'Example: Ana shares her link. Her friend Luis spends {spend}{offerPart}, and Ana gets {reward}.',
    exampleOffer: ' and gets {offer}', min: ' (at least {min} per order)',
    'sim.title': 'Try an order', 'sim.subtotal': 'Order subtotal', 'sim.code': 'Code the friend used',
    'sim.codeHint': 'An advocate’s friend code. Leave empty to see an order with no referral.',
    'sim.new': 'The friend is a new customer', 'sim.run': 'Simulate this order',
    'sim.earns': 'What this order earns', 'sim.why': 'Why', 'sim.none': 'No reward for this order.',
    'sim.checks': 'Checks', 'sim.draft': 'Judged under the form as it is now (not saved).',
    'outcome.credit_pending': 'The referral counts: the rewards below follow once the waiting time has passed.',
    'outcome.approve': 'The referral counts and is rewarded now.',
    'outcome.flag_for_review': 'The referral counts, but waits for your review first.',
    'outcome.reject': 'The referral does not count.', 'outcome.ignore': 'This order is not a referral.',
    because: 'Reason: {reason}.', rewardLine: '{side}: {what}', 'side.advocate': 'The advocate gets', 'side.friend': 'The friend gets',
  },
  es: {
    off: '{value} % de descuento', amountOff: '{amount} de descuento', shipping: 'envío gratis',
    credit: '{amount} de saldo en la tienda', points: '{points} puntos',
    pointsPer: '{points} puntos por cada {unit} gastado', share: 'el {value} % del pedido',
    cash: '{amount} en efectivo', donation: 'una donación de {amount} a una causa', nothing: 'nada',
    giftCard: 'una tarjeta regalo de {amount}', freeProduct: '{product} gratis', aProduct: 'un producto',
    'title.fixed': 'Una recompensa fija', 'title.tiered': 'Más por más referidos', 'title.milestones': 'Recompensas por etapas',
    'title.contest': 'Un concurso de referidos', 'title.seasonal': 'Un extra de temporada', 'title.charity': 'Dona a una causa',
    'title.partnership': 'Marcas asociadas', 'title.loyalty': 'Puntos y fidelidad',
    'plain.fixed': 'Los amigos obtienen {offer} en su primer pedido. Tu cliente gana {reward} por cada amigo que compre.',
    'plain.tiered': 'Los amigos obtienen {offer}. Tu cliente gana más cuanto más recomienda: {tiers}.',
    'plain.milestones': 'Recompensas en cada paso del amigo: {stages}.',
    'plain.contest': 'Los amigos obtienen {offer}, tu cliente gana {reward} y los {top} mejores embajadores de «{name}» ganan premios.',
    'plain.seasonal': 'Los amigos obtienen {offer} y tu cliente gana {reward}, multiplicado por {times} durante «{campaign}».',
    'plain.charity': 'Los amigos obtienen {offer}; por cada amigo que compre, haces {reward}.',
    'plain.partnership': 'Las marcas asociadas comparten sus códigos; cada socio gana {reward} por cada cliente que envía.',
    'plain.loyalty': 'Tu cliente gana {reward} por amigo, los amigos ganan {friend} y todos acumulan puntos al comprar.',
    'plain.other': 'Los amigos obtienen {offer}. Tu cliente gana {reward} por cada amigo que compre.',
    tier: '{reward} por los referidos hasta el {n}', tierRest: '{reward} a partir de ahí',
    stage: '{stage}: {reward}',
    example: 'Ejemplo: Ana comparte su enlace. Su amigo Luis gasta {spend}{offerPart} y Ana gana {reward}.',
    exampleOffer: ' y obtiene {offer}', min: ' (mínimo {min} por pedido)',
    'sim.title': 'Prueba un pedido', 'sim.subtotal': 'Subtotal del pedido', 'sim.code': 'Código que usó el amigo',
    'sim.codeHint': 'El código de amigo de un embajador. Déjalo vacío para ver un pedido sin referido.',
    'sim.new': 'El amigo es un cliente nuevo', 'sim.run': 'Simular este pedido',
    'sim.earns': 'Lo que gana este pedido', 'sim.why': 'Por qué', 'sim.none': 'Este pedido no gana recompensa.',
    'sim.checks': 'Comprobaciones', 'sim.draft': 'Se juzga con el formulario tal como está (sin guardar).',
    'outcome.credit_pending': 'El referido cuenta: las recompensas de abajo llegan cuando pase el tiempo de espera.',
    'outcome.approve': 'El referido cuenta y se recompensa ahora.',
    'outcome.flag_for_review': 'El referido cuenta, pero antes espera tu revisión.',
    'outcome.reject': 'El referido no cuenta.', 'outcome.ignore': 'Este pedido no es un referido.',
    because: 'Motivo: {reason}.', rewardLine: '{side}: {what}', 'side.advocate': 'El embajador recibe', 'side.friend': 'El amigo recibe',
  },
});

export function describeReward(rule, currency) {
  if (!rule) return w('nothing');
  const value = rule.value;
  switch (rule.kind) {
    case 'percentage_discount': return w('off', { value: number(value) });
    case 'fixed_amount_discount': return w('amountOff', { amount: money(value, currency) });
    case 'free_shipping': return w('shipping');
    case 'store_credit': return w('credit', { amount: money(value, currency) });
    case 'points':
      if (rule.basis === 'per_unit_spent') {
        return w('pointsPer', { points: number(value), unit: money(1, currency) });
      }
      return w('points', { points: number(value) });
    case 'cash':
      if (rule.basis === 'percent_of_order') return w('share', { value: number(value) });
      return w('cash', { amount: money(value, currency) });
    case 'charity_donation': return w('donation', { amount: money(value, currency) });
    case 'gift_card': return w('giftCard', { amount: money(value, currency) });
    case 'free_product': return w('freeProduct', { product: rule.product_name || w('aProduct') });
    default: return String(rule.kind);
  }
}

function firstReward(config) {
  if (config.advocate_reward) return config.advocate_reward;
  if (config.tiers && config.tiers.length) return config.tiers[0].reward;
  const stage = (config.milestones || []).find((m) => m.advocate_reward);
  return stage ? stage.advocate_reward : null;
}

// One sentence for a program of `type` (a preset's type; "other" for a merchant's own).
export function plainSentence(type, config) {
  const cur = config.currency;
  const offer = describeReward(config.friend_offer, cur);
  const reward = describeReward(firstReward(config), cur);
  const vars = { offer, reward };
  if (type === 'tiered') {
    vars.tiers = (config.tiers || []).map((tier) => (tier.up_to
      ? w('tier', { reward: describeReward(tier.reward, cur), n: tier.up_to })
      : w('tierRest', { reward: describeReward(tier.reward, cur) }))).join(', ');
  } else if (type === 'milestones') {
    vars.stages = (config.milestones || []).map((m) => w('stage', {
      stage: m.stage.replaceAll('_', ' '), reward: describeReward(m.advocate_reward || m.friend_reward, cur) })).join('; ');
  } else if (type === 'contest' && config.contest) {
    vars.top = config.contest.top_n;
    vars.name = config.contest.name;
  } else if (type === 'seasonal' && config.campaigns && config.campaigns.length) {
    vars.times = `×${number(config.campaigns[0].multiplier)}`;
    vars.campaign = config.campaigns[0].name;
  } else if (type === 'partnership' && config.partners && config.partners.length) {
    vars.reward = describeReward(config.partners[0].reward, cur);
  } else if (type === 'loyalty') {
    vars.friend = describeReward(config.friend_reward, cur);
  }
  const key = `plain.${type}`;
  const known = ['fixed', 'tiered', 'milestones', 'contest', 'seasonal', 'charity', 'partnership', 'loyalty'];
  const text = w(known.includes(type) ? key : 'plain.other', vars);
  if (!(Number(config.min_subtotal) > 0)) return text;
  return text.replace(/\.$/, '') + w('min', { min: money(config.min_subtotal, cur) }) + '.';
}

// A preset's name in the merchant's language.
export function presetTitle(type, fallback) {
  const text = w(`title.${type}`);
  return text === `title.${type}` ? fallback : text;
}

// "Ana shares her link. Her friend Luis spends 25 € and gets 10 % off, and Ana gets 10 €."
export function example(config) {
  const cur = config.currency;
  const spend = Math.max(Number(config.min_subtotal) || 0, 50);
  const offer = config.friend_offer ? describeReward(config.friend_offer, cur) : '';
  return w('example', {
    spend: money(spend.toFixed(2), cur),
    offerPart: offer ? w('exampleOffer', { offer }) : '',
    reward: describeReward(firstReward(config) || config.friend_reward, cur),
  });
}

// The simulator: an order's subtotal, the code used and whether the friend is new, answered
// with what it would earn and every check in words. `draft()` gives an unsaved program.
export function simulator(ctx, { currency, code = '', draft = null, idPrefix = 'sim' }) {
  const subtotal = h('input', { id: `${idPrefix}-subtotal`, type: 'number', min: '0', step: '0.01', value: '50.00', inputmode: 'decimal' });
  const codeInput = h('input', { id: `${idPrefix}-code`, type: 'text', value: code, autocomplete: 'off' });
  const isNew = h('input', { id: `${idPrefix}-new`, type: 'checkbox', checked: true });
  const result = h('div', { class: 'sim-result', 'aria-live': 'polite' });
  const run = button(w('sim.run'), null, { primary: true, type: 'submit' });
  const form = h('form', { class: 'simulator', novalidate: true },
    field(w('sim.subtotal') + ` (${currency()})`, subtotal),
    field(w('sim.code'), codeInput, { hint: w('sim.codeHint') }),
    h('label', { class: 'check' }, isNew, w('sim.new')),
    h('div', { class: 'actions' }, run),
    result);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = { subtotal: subtotal.value || '0', new_customer: isNew.checked, currency: currency() };
    if (codeInput.value.trim()) body.code = codeInput.value.trim();
    if (draft) {
      const program = draft();
      if (!program) return;
      body.program = program;
    }
    const answer = await busy(run, () => ctx.api('POST', '/simulate', body), (error) => {
      result.replaceChildren(ctx.errorBox(error));
      for (const f of error.fields || []) {
        result.append(h('p', { class: 'field-error' }, `${f.path}: ${f.message}`));
      }
    });
    if (answer) result.replaceChildren(simulation(answer, Boolean(draft)));
  });
  return { form, setCode(value) { codeInput.value = value; } };
}

function rewardText(r, currency) {
  const what = r.points !== null && r.points !== undefined
    ? describeReward({ kind: 'points', value: r.points, basis: 'flat' }, currency)
    : describeReward({ kind: r.kind, value: r.amount, basis: 'flat' }, r.currency || currency);
  return w('rewardLine', { side: w(`side.${r.side}`), what });
}

function simulation(answer, drafted) {
  const cur = answer.currency;
  const key = `outcome.${answer.outcome}`;
  const outcome = w(key) === key ? answer.outcome : w(key);
  const rewards = (answer.rewards || []).map((r) => h('li', {}, rewardText(r, cur)));
  const checks = (answer.findings || []).map((f) => h('li', {}, f.message));
  return h('div', { class: 'card sim-answer' },
    h('h3', {}, w('sim.earns')),
    h('p', { class: 'outcome' }, h('strong', {}, outcome),
      answer.reason && answer.outcome !== 'credit_pending' ? [' ', w('because', { reason: label(answer.reason) })] : null),
    rewards.length ? h('ul', { class: 'lines rewards' }, rewards) : h('p', {}, w('sim.none')),
    checks.length ? [h('h3', {}, w('sim.checks')), h('ul', { class: 'lines' }, checks)] : null,
    h('h3', {}, w('sim.why')),
    h('ul', { class: 'lines why' }, (answer.lines || []).map((line) => h('li', {}, line))),
    drafted ? h('p', { class: 'hint' }, w('sim.draft')) : null);
}

export { getLocale };
