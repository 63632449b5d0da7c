// Program: every field of the live program, the API's field errors beside each field, versions
// with what changed and a restore, and a live "what would this order earn, and why" panel.
import { words, when, label } from '../i18n.js';
import { h, field, setFieldError, button, busy, empty } from '../dom.js';
import { simulator } from '../program-words.js';
import { showFieldErrors, saveProgram } from '../forms.js';

const w = words({
  en: {
    basics: 'Basics', rewards: 'Rewards', rules: 'Who qualifies', limits: 'Limits', fraud: 'Fraud checks',
    advanced: 'Tiers, reward menu, stages, campaigns, contest, charity, partners and budget',
    advancedHint: 'Each box holds that part of the program as JSON; leave it empty for none. Points, rewards and VIP tiers are on the Loyalty page.',
    name: 'Program name', currency: 'Currency (ISO code)', hold_days: 'Days to wait before rewarding',
    hold_daysHint: 'Your return window: a cancel or refund in this time voids the referral.',
    attribution_window_days: 'Days a referral link counts after the click',
    rewarded: 'Who is rewarded after the order', friend_code_mode: 'Friend codes',
    shared: 'One code per advocate', unique: 'A new code for each friend',
    min_subtotal: 'Minimum order subtotal', new_customers_only: 'Only a friend’s first order counts',
    excluded_product_ids: 'Excluded product ids', excluded_collection_ids: 'Excluded collection ids',
    listHint: 'Separate with commas.',
    friend_offer: 'The friend’s offer', advocate_reward: 'The advocate’s reward', friend_reward: 'The friend’s reward after buying',
    enabled: 'Give this', kind: 'Kind', value: 'Value', basis: 'How the value is read',
    flat: 'A fixed value', percent_of_order: 'A percentage of the order', per_unit_spent: 'Per currency unit spent',
    expires_days: 'Expires after (days)', maximum: 'At most',
    amounts: 'Amount per currency', amountsHint: 'A fixed amount in other currencies, e.g. EUR 9, GBP 8.50. Store credit goes in the currency the shopper pays in: this amount, else the value converted at their order’s rate.',
    product_id: 'Product id in the store', variant_id: 'Variant id (optional)', product_name: 'Product name shoppers see',
    productHint: 'A free product: one unit of this product (or variant); its value is the price, counted in the budget.',
    'combines_with.order': 'Combines with order discounts', 'combines_with.product': 'Combines with product discounts',
    'combines_with.shipping': 'Combines with shipping discounts',
    'caps.per_period': 'Referrals rewarded per period', 'caps.period_days': 'Period (days)',
    'caps.lifetime': 'Referrals rewarded in a lifetime', capHint: 'Empty for no limit.',
    self_referral: 'Advocate buys with their own code', same_email: 'Friend has the advocate’s email',
    same_address: 'Friend ships to the advocate’s address', same_ip: 'Friend orders from the advocate’s network',
    same_user_agent: 'Friend uses the advocate’s browser', disposable_email: 'Friend uses a throwaway email',
    velocity: 'Too many referrals too fast', blocklist: 'Friend or advocate on your blocklist', block: 'Refuse', flag: 'Hold for review', ignore: 'Ignore',
    'fraud.velocity_max': 'Referrals allowed per window', 'fraud.velocity_hours': 'Window (hours)',
    'fraud.disposable_domains': 'More throwaway email domains',
    tiers: 'Tiers (each may raise the friend’s offer: friend_offer, friend_reward)',
    reward_menu: 'Reward menu: the advocate chooses (choices with choice_id, label_es, label_en, reward; default_choice_id; default_after_days)',
    milestones: 'Stages', campaigns: 'Campaigns', contest: 'Contest', charity: 'Charity',
    partners: 'Partners', budget: 'Rewards budget per period (amount; period month, quarter or year; warn_percent)', badJson: 'This is not valid JSON: {detail}',
    saved: 'Program saved: version {version}.', invalid: 'The program was not saved: fix the fields marked below.',
    other: 'Other problems:',
    versions: 'Versions', noVersions: 'No saved version yet.', noVersionsNext: 'Save the form or choose a program on Get started.',
    live: 'Live', changed: 'What changed', restore: 'Restore', restoreTitle: 'Restore version {version}?',
    restoreBody: 'Version {version} becomes the live program as a new version. Referrals already judged keep their version.',
    restored: 'Version {from} restored as version {version}.', noChanges: 'Nothing changed.',
    by: 'by {who}', first: 'The first version.', simulate: 'What would this order earn, and why?',
    before: 'before', after: 'now',
    terms: 'Terms and conditions', 'terms.es': 'Terms in Spanish', 'terms.en': 'Terms in English',
    termsHint: 'Shoppers accept them to join: the widget links their page, and so does every message. Write both languages, or leave both empty. Changing them makes a new version that shoppers accept again.',
    termsVersion: 'Version {version} of the terms is in force: {url}', noTerms: 'No terms published yet.',
  },
  es: {
    basics: 'Datos básicos', rewards: 'Recompensas', rules: 'Quién cumple', limits: 'Límites', fraud: 'Comprobaciones de fraude',
    advanced: 'Niveles, menú de recompensas, etapas, campañas, concurso, causas, socios y presupuesto',
    advancedHint: 'Cada caja contiene esa parte del programa en JSON; déjala vacía si no la usas. Los puntos, las recompensas y los niveles VIP están en la página Fidelidad.',
    name: 'Nombre del programa', currency: 'Moneda (código ISO)', hold_days: 'Días de espera antes de recompensar',
    hold_daysHint: 'Tu plazo de devolución: una cancelación o reembolso en este tiempo anula el referido.',
    attribution_window_days: 'Días que cuenta un enlace tras el clic',
    rewarded: 'Quién recibe recompensa tras el pedido', friend_code_mode: 'Códigos de amigo',
    shared: 'Un código por embajador', unique: 'Un código nuevo para cada amigo',
    min_subtotal: 'Subtotal mínimo del pedido', new_customers_only: 'Solo cuenta el primer pedido del amigo',
    excluded_product_ids: 'Ids de productos excluidos', excluded_collection_ids: 'Ids de colecciones excluidas',
    listHint: 'Sepáralos con comas.',
    friend_offer: 'La oferta del amigo', advocate_reward: 'La recompensa del embajador', friend_reward: 'La recompensa del amigo tras comprar',
    enabled: 'Dar esto', kind: 'Tipo', value: 'Valor', basis: 'Cómo se lee el valor',
    flat: 'Un valor fijo', percent_of_order: 'Un porcentaje del pedido', per_unit_spent: 'Por unidad de moneda gastada',
    expires_days: 'Caduca a los (días)', maximum: 'Como máximo',
    amounts: 'Importe por moneda', amountsHint: 'Un importe fijo en otras monedas, p. ej. EUR 9, GBP 8.50. El saldo a favor se da en la moneda en que paga el cliente: este importe o, si no, el valor convertido al tipo de cambio de su pedido.',
    product_id: 'Id del producto en la tienda', variant_id: 'Id de la variante (opcional)', product_name: 'Nombre del producto que ven los clientes',
    productHint: 'Un producto gratis: una unidad de este producto (o variante); su valor es el precio, que cuenta en el presupuesto.',
    'combines_with.order': 'Se combina con descuentos de pedido', 'combines_with.product': 'Se combina con descuentos de producto',
    'combines_with.shipping': 'Se combina con descuentos de envío',
    'caps.per_period': 'Referidos recompensados por periodo', 'caps.period_days': 'Periodo (días)',
    'caps.lifetime': 'Referidos recompensados en total', capHint: 'Vacío para no limitar.',
    self_referral: 'El embajador compra con su propio código', same_email: 'El amigo tiene el correo del embajador',
    same_address: 'El amigo envía a la dirección del embajador', same_ip: 'El amigo compra desde la red del embajador',
    same_user_agent: 'El amigo usa el navegador del embajador', disposable_email: 'El amigo usa un correo desechable',
    velocity: 'Demasiados referidos demasiado rápido', blocklist: 'Amigo o embajador en tu lista de bloqueo', block: 'Rechazar', flag: 'Retener para revisión', ignore: 'Ignorar',
    'fraud.velocity_max': 'Referidos permitidos por ventana', 'fraud.velocity_hours': 'Ventana (horas)',
    'fraud.disposable_domains': 'Más dominios de correo desechable',
    tiers: 'Niveles (cada uno puede mejorar la oferta del amigo: friend_offer, friend_reward)',
    reward_menu: 'Menú de recompensas: elige el embajador (choices con choice_id, label_es, label_en, reward; default_choice_id; default_after_days)',
    milestones: 'Etapas', campaigns: 'Campañas', contest: 'Concurso', charity: 'Causas benéficas',
    partners: 'Socios', budget: 'Presupuesto de recompensas por periodo (amount; period month, quarter o year; warn_percent)', badJson: 'No es un JSON válido: {detail}',
    saved: 'Programa guardado: versión {version}.', invalid: 'El programa no se guardó: corrige los campos marcados.',
    other: 'Otros problemas:',
    versions: 'Versiones', noVersions: 'Aún no hay versiones guardadas.', noVersionsNext: 'Guarda el formulario o elige un programa en Primeros pasos.',
    live: 'Activa', changed: 'Qué cambió', restore: 'Restaurar', restoreTitle: '¿Restaurar la versión {version}?',
    restoreBody: 'La versión {version} pasa a ser el programa activo como una versión nueva. Los referidos ya juzgados conservan su versión.',
    restored: 'Versión {from} restaurada como versión {version}.', noChanges: 'No cambió nada.',
    by: 'por {who}', first: 'La primera versión.', simulate: '¿Qué ganaría este pedido y por qué?',
    before: 'antes', after: 'ahora',
    terms: 'Condiciones del programa', 'terms.es': 'Condiciones en español', 'terms.en': 'Condiciones en inglés',
    termsHint: 'Los clientes las aceptan para unirse: el widget enlaza su página, y también cada mensaje. Escribe los dos idiomas, o deja ambos vacíos. Cambiarlas crea una versión nueva que los clientes vuelven a aceptar.',
    termsVersion: 'Está en vigor la versión {version} de las condiciones: {url}', noTerms: 'Aún no hay condiciones publicadas.',
  },
});

const KINDS = ['percentage_discount', 'fixed_amount_discount', 'free_shipping', 'store_credit', 'gift_card', 'free_product', 'points', 'cash', 'charity_donation'];
const PRODUCT = ['product_id', 'variant_id', 'product_name'];
const BASES = ['flat', 'percent_of_order', 'per_unit_spent'];
const CHECKS = ['self_referral', 'same_email', 'same_address', 'same_ip', 'same_user_agent', 'disposable_email', 'velocity', 'blocklist'];
// Loyalty (points, catalogue, tiers, stamp card, expiry) has its own page; saving here keeps it.
const ADVANCED = ['tiers', 'reward_menu', 'milestones', 'campaigns', 'contest', 'charity', 'partners', 'budget'];
const REWARDS = ['friend_offer', 'advocate_reward', 'friend_reward'];

function get(obj, path) {
  return path.split('.').reduce((v, key) => (v === null || v === undefined ? v : v[key]), obj);
}

function set(obj, path, value) {
  const keys = path.split('.');
  let at = obj;
  for (const key of keys.slice(0, -1)) { at[key] = at[key] || {}; at = at[key]; }
  at[keys[keys.length - 1]] = value;
}

function control(path, type, value, options) {
  const id = 'p-' + path.replaceAll('.', '-');
  if (type === 'select') {
    return h('select', { id, name: path }, options.map((o) => h('option', { value: o, selected: o === value }, w(o) === o ? label(o) : w(o))));
  }
  if (type === 'bool') return h('input', { id, name: path, type: 'checkbox', checked: Boolean(value) });
  if (type === 'json') {
    const text = value === null || value === undefined || (Array.isArray(value) && !value.length) ? '' : JSON.stringify(value, null, 2);
    return h('textarea', { id, name: path, rows: 4, spellcheck: 'false' }, text);
  }
  if (type === 'list') return h('input', { id, name: path, type: 'text', value: (value || []).join(', ') });
  if (type === 'amounts') {
    return h('input', { id, name: path, type: 'text', value: Object.entries(value || {}).map(([c, a]) => `${c} ${a}`).join(', ') });
  }
  if (type === 'long') return h('textarea', { id, name: path, rows: 8 }, value || '');
  const numeric = type === 'int' || type === 'int?' || type === 'decimal' || type === 'decimal?';
  return h('input', { id, name: path, type: numeric ? 'text' : 'text', inputmode: numeric ? 'decimal' : false,
    value: value === null || value === undefined ? '' : String(value) });
}

export default {
  async render(root, ctx) {
    const [live, versions] = await Promise.all([ctx.api('GET', '/program'), ctx.api('GET', '/program/versions')]);
    const controls = new Map(); // path -> [control, type]
    const jsonErrors = new Map();
    const config = live.config;

    function add(path, type, { options, hint, labelText } = {}) {
      const input = control(path, type, get(config, path), options);
      controls.set(path, [input, type]);
      if (type === 'bool') {
        const errorBox = h('p', { class: 'field-error', id: input.id + '-error', hidden: true });
        input.setAttribute('aria-describedby', errorBox.id);
        return h('div', { class: 'field wide' }, h('label', { class: 'check' }, input, labelText || w(path)), errorBox);
      }
      return field(labelText || w(path), input, { hint, wide: type === 'json' || type === 'long' });
    }

    function rewardBlock(name) {
      const rule = config[name] || { kind: 'percentage_discount', value: '0', basis: 'flat' };
      const on = h('input', { type: 'checkbox', id: `p-${name}-on`, checked: Boolean(config[name]) });
      controls.set(`${name}.__on`, [on, 'on']);
      const scoped = { ...config, [name]: rule };
      const parts = [
        ['kind', 'select', { options: KINDS }], ['value', 'decimal', {}], ['basis', 'select', { options: BASES }],
        ['expires_days', 'int?', {}], ['maximum', 'decimal?', {}], ['amounts', 'amounts', { hint: w('amountsHint') }],
        ...PRODUCT.map((key) => [key, 'text?', { hint: key === 'product_id' ? w('productHint') : undefined }]),
      ].map(([key, type, opts]) => {
        const path = `${name}.${key}`;
        const input = control(path, type, get(scoped, path), opts.options);
        controls.set(path, [input, type]);
        return field(w(key), input, opts.hint ? { hint: opts.hint } : undefined);
      });
      // The product fields show only for a free product (and are sent only then: see read()).
      const kind = controls.get(`${name}.kind`)[0];
      const showProduct = () => parts.slice(-PRODUCT.length).forEach((p) => { p.hidden = kind.value !== 'free_product'; });
      kind.addEventListener('change', showProduct);
      showProduct();
      const errorBox = h('p', { class: 'field-error', id: `p-${name}-error`, hidden: true });
      return h('fieldset', {}, h('legend', {}, w(name)),
        h('label', { class: 'check' }, on, w('enabled')), errorBox, h('div', { class: 'fields' }, parts));
    }

    const cardOf = (title, ...content) => h('section', { class: 'card' }, h('h2', {}, title), ...content);
    const form = h('form', { novalidate: true, id: 'program-form' },
      cardOf(w('basics'), h('div', { class: 'fields' },
        add('name', 'text'), add('currency', 'text'),
        add('rewarded', 'select', { options: ['advocate', 'friend', 'both'] }),
        add('friend_code_mode', 'select', { options: ['shared', 'unique'] }),
        add('hold_days', 'int', { hint: w('hold_daysHint') }), add('attribution_window_days', 'int'))),
      cardOf(w('rewards'), ...REWARDS.map(rewardBlock), h('div', { class: 'fields' },
        add('combines_with.order', 'bool'), add('combines_with.product', 'bool'), add('combines_with.shipping', 'bool'))),
      cardOf(w('rules'), h('div', { class: 'fields' },
        add('min_subtotal', 'decimal'), add('new_customers_only', 'bool'),
        add('excluded_product_ids', 'list', { hint: w('listHint') }),
        add('excluded_collection_ids', 'list', { hint: w('listHint') }))),
      cardOf(w('limits'), h('div', { class: 'fields' },
        add('caps.per_period', 'int?', { hint: w('capHint') }), add('caps.period_days', 'int'),
        add('caps.lifetime', 'int?', { hint: w('capHint') }))),
      cardOf(w('fraud'), h('div', { class: 'fields' },
        ...CHECKS.map((check) => add(`fraud.${check}`, 'select', { options: ['block', 'flag', 'ignore'], labelText: w(check) })),
        add('fraud.velocity_max', 'int'), add('fraud.velocity_hours', 'int'),
        add('fraud.disposable_domains', 'list', { hint: w('listHint') }))),
      cardOf(w('terms'), h('p', { class: 'hint' }, w('termsHint')),
        h('p', { id: 'terms-version' }, config.terms && config.terms.version
          ? w('termsVersion', { version: config.terms.version, url: live.terms_urls.es }) : w('noTerms')),
        h('div', { class: 'fields' }, add('terms.es', 'long'), add('terms.en', 'long'))),
      cardOf(w('advanced'), h('p', { class: 'hint' }, w('advancedHint')),
        h('div', { class: 'fields' }, ...ADVANCED.map((name) => add(name, 'json')))),
    );
    const formErrors = h('div', { id: 'program-errors' });

    function clearErrors() {
      for (const [input] of controls.values()) setFieldError(input, '');
      for (const name of REWARDS) { const box = document.getElementById(`p-${name}-error`); if (box) box.hidden = true; }
      formErrors.replaceChildren();
      jsonErrors.clear();
    }

    // The form as the API's JSON; null (with the errors shown) when a JSON box is not JSON.
    function read() {
      const out = { ...config };
      delete out.version;
      for (const name of REWARDS) {
        out[name] = controls.get(`${name}.__on`)[0].checked ? { ...(config[name] || {}) } : null;
      }
      let ok = true;
      for (const [path, [input, type]] of controls) {
        if (type === 'on') continue;
        const [head] = path.split('.');
        if (REWARDS.includes(head) && out[head] === null) continue;
        if (PRODUCT.includes(path.split('.')[1]) && controls.get(`${head}.kind`)[0].value !== 'free_product') {
          if (out[head]) delete out[head][path.split('.')[1]];
          continue;
        }
        let value;
        const text = input.value === undefined ? '' : String(input.value).trim();
        if (type === 'bool') value = input.checked;
        else if (type === 'list') value = text ? text.split(',').map((s) => s.trim()).filter(Boolean) : [];
        else if (type === 'int' || type === 'int?') value = text === '' ? null : (/^-?\d+$/.test(text) ? Number(text) : text);
        else if (type === 'decimal' || type === 'decimal?' || type === 'text?') value = text === '' ? null : text;
        else if (type === 'amounts') {
          // "EUR 9, GBP 8.50" -> {EUR: "9", GBP: "8.50"}; the API names a bad code or amount.
          value = Object.fromEntries(text.split(',').map((s) => s.trim()).filter(Boolean)
            .map((s) => { const [c, a = ''] = s.split(/[\s:=]+/); return [c, a]; }));
        }
        else if (type === 'json') {
          if (!text) value = ['contest', 'charity', 'budget', 'reward_menu'].includes(path) ? null : [];
          else {
            try { value = JSON.parse(text); } catch (error) {
              setFieldError(input, w('badJson', { detail: error.message }));
              jsonErrors.set(path, true);
              ok = false;
              continue;
            }
          }
        } else value = input.value;
        if (path.includes('.') && !REWARDS.includes(head)) out[head] = { ...(out[head] || {}) };
        set(out, path, value);
      }
      return ok ? out : null;
    }

    // Each error beside its field, or beside the reward it belongs to.
    function showErrors(fields) {
      showFieldErrors(fields, (path) => {
        const found = controls.get(path);
        if (found && found[1] !== 'on') return found[0];
        if (!REWARDS.includes(path)) return null;
        return (text) => {
          const box = document.getElementById(`p-${path}-error`);
          box.textContent = text;
          box.hidden = false;
        };
      }, { form, box: formErrors, title: w('invalid'), other: w('other') });
    }

    async function save() {
      clearErrors();
      const body = read();
      if (!body) { showErrors([]); return; }
      await saveProgram(ctx, body, { page: 'program', saved: (version) => w('saved', { version }),
        onFields: showErrors, box: formErrors });
    }

    const saveButton = button(w('common.save'), null, { primary: true, type: 'submit' });
    form.append(formErrors, h('div', { class: 'actions' }, saveButton));
    form.addEventListener('submit', (event) => { event.preventDefault(); busy(saveButton, save); });
    const dirty = () => ctx.saveBar.show({ save: () => busy(saveButton, save), discard: () => { ctx.saveBar.hide(); ctx.navigate('program'); } });
    form.addEventListener('input', dirty);
    form.addEventListener('change', dirty);

    const sim = simulator(ctx, {
      currency: () => (controls.get('currency')[0].value || config.currency).trim(),
      draft: () => { clearErrors(); return read(); }, idPrefix: 'program-sim',
    });
    const side = h('aside', { class: 'sticky' }, h('section', { class: 'card' }, h('h2', {}, w('simulate')), sim.form));
    root.append(h('div', { class: 'columns' }, h('div', {}, form, versionsCard(ctx, versions.versions, live)), side));
  },
};

function versionsCard(ctx, versions, live) {
  const card = h('section', { class: 'card', 'aria-labelledby': 'versions-title' }, h('h2', { id: 'versions-title' }, w('versions')));
  if (!versions.length) {
    card.append(empty(w('noVersions'), w('noVersionsNext')));
    return card;
  }
  const list = h('ul', { class: 'versions lines' });
  for (const version of versions) {
    const changes = h('div', { class: 'changes', 'aria-live': 'polite' });
    const isLive = !live.default && version.version === live.version;
    const showChanges = button(w('changed'), async () => {
      if (version.version === 1) { changes.replaceChildren(h('p', {}, w('first'))); return; }
      const diff = await busy(showChanges, () => ctx.api('GET', `/program/diff?from=${version.version - 1}&to=${version.version}`),
        (e) => changes.replaceChildren(ctx.errorBox(e)));
      if (!diff) return;
      changes.replaceChildren(diff.changes.length
        ? h('ul', { class: 'lines' }, diff.changes.map((c) => h('li', {}, h('code', {}, c.path), ': ',
          `${w('before')} ${JSON.stringify(c.before)} → ${w('after')} ${JSON.stringify(c.after)}`)))
        : h('p', {}, w('noChanges')));
    }, { 'aria-label': `${w('changed')}: ${version.version}` });
    const restore = isLive ? null : button(w('restore'), async () => {
      const sure = await ctx.confirmAction({ title: w('restoreTitle', { version: version.version }),
        body: w('restoreBody', { version: version.version }), confirm: w('restore') });
      if (!sure) return;
      const done = await busy(restore, () => ctx.api('POST', `/program/versions/${version.version}/restore`),
        (e) => changes.replaceChildren(ctx.errorBox(e)));
      if (!done) return;
      ctx.toast(w('restored', { from: version.version, version: done.version }));
      ctx.navigate('program');
    }, { 'aria-label': `${w('restore')}: ${version.version}` });
    list.append(h('li', { class: 'version' },
      h('strong', {}, `v${version.version}`), ' · ', version.name || '—', ' · ', when(version.created_at), ' · ',
      w('by', { who: version.created_by }), version.note ? ` · ${version.note}` : '',
      isLive ? [' ', h('span', { class: 'badge good' }, w('live'))] : null,
      h('div', { class: 'row' }, showChanges, restore), changes));
  }
  card.append(list);
  return card;
}
