// Loyalty: the points program as a form (earning, the rewards catalogue, VIP tiers, the stamp
// card, expiry). Saving writes the program's next version through PUT /program, as the Program
// page does, and the API's field errors show beside their fields. A member's points history and
// manual adjustments are on the Advocates page (this page links there).
import { words, label } from '../i18n.js';
import { h, field, setFieldError, button, busy } from '../dom.js';
import { showFieldErrors, saveProgram } from '../forms.js';

const w = words({
  en: {
    program: 'Points program', on: 'Members collect points', onHint: 'Turn this off to run the program without points.',
    off: 'Points are off.', offNext: 'Tick the box above to set up earning, rewards, tiers and a stamp card.',
    earning: 'Earning', points_per_unit: 'Points per currency unit spent', earn_on: 'Points are earned on',
    subtotal: 'Subtotal after discounts', total: 'Order total (shipping and tax too)',
    join_points: 'Points for joining', birthday_points: 'Points on their birthday',
    birthday_pointsHint: 'Members who tell their birthday in the widget get these on the day, once a year.',
    points_per_currency_unit_redeemed: 'Points worth one currency unit when redeemed',
    catalogue: 'Rewards catalogue', catalogueHint: 'What members buy with their points; each reward is a code made for them alone.',
    noItems: 'No rewards yet: members can only save points.', addItem: 'Add a reward', removeItem: 'Remove reward {n}',
    item: 'Reward {n}', name: 'Name', item_id: 'Id (optional)', item_idHint: 'Made from the name when empty.', points: 'Points',
    kind: 'Kind', value: 'Value', valueHint: 'An amount, or a percentage for a percentage discount; a free product’s price.',
    product_id: 'Product id in the store', variant_id: 'Variant id (optional)', product_name: 'Product name members see',
    expires_days: 'Expires after (days)', none: 'Empty for never.', noDiscount: 'Empty for none.',
    tiers: 'VIP tiers', tier_basis: 'Tiers count', tierPoints: 'Points earned', tierSpend: 'Money spent',
    tier_period_days: 'Counted over the last (days)', lifetime: 'Empty for a member’s whole life.',
    tier_grace_days: 'Days of grace before a tier is lost', noTiers: 'No tiers yet.', addTier: 'Add a tier',
    removeTier: 'Remove tier {n}', tier: 'Tier {n}', threshold: 'Threshold', multiplier: 'Points multiplier',
    discount_percent: 'Standing discount (%)', free_shipping: 'Free shipping on every order',
    perks: 'Perks shown in the widget', listHint: 'Separate with commas.',
    tag: 'Tag in the store', tagHint: 'Put on the member in your store while they hold the tier (Shopify: a customer tag; WooCommerce: the referral_connector_tier meta). Empty for none.',
    stamp: 'Stamp card', stampOn: 'Offer a stamp card', stamps: 'Stamps to fill a card', per: 'A stamp for each',
    order: 'Qualifying order', itemPer: 'Qualifying item', product_ids: 'Only these product ids',
    anyProduct: 'Empty for any product. Separate with commas.', min_subtotal: 'Minimum order subtotal',
    cardReward: 'The reward for a full card',
    expiry: 'Expiry', points_expire_days: 'Points expire after (days)',
    expire_after_inactive_days: 'All points expire after this many days without activity',
    expiry_reminder_days: 'Remind members this many days before points expire', reminderHint: '0 for no reminder.',
    members: 'Members', membersText: 'Each member’s points history, tier and manual adjustments (add or remove points with a reason) are on the Advocates page.',
    openMembers: 'Find a member',
    saved: 'Loyalty saved: version {version}.', invalid: 'Loyalty was not saved: fix the fields marked below.',
    other: 'Other problems:',
  },
  es: {
    program: 'Programa de puntos', on: 'Los clientes acumulan puntos', onHint: 'Desactívalo para usar el programa sin puntos.',
    off: 'Los puntos están desactivados.', offNext: 'Marca la casilla de arriba para configurar puntos, recompensas, niveles y una tarjeta de sellos.',
    earning: 'Cómo se ganan', points_per_unit: 'Puntos por unidad de moneda gastada', earn_on: 'Los puntos se ganan sobre',
    subtotal: 'Subtotal tras descuentos', total: 'Total del pedido (con envío e impuestos)',
    join_points: 'Puntos por unirse', birthday_points: 'Puntos en su cumpleaños',
    birthday_pointsHint: 'Quien dice su cumpleaños en el widget los recibe ese día, una vez al año.',
    points_per_currency_unit_redeemed: 'Puntos que valen una unidad de moneda al canjear',
    catalogue: 'Catálogo de recompensas', catalogueHint: 'Lo que los clientes compran con sus puntos; cada recompensa es un código solo para ellos.',
    noItems: 'Aún no hay recompensas: solo se pueden acumular puntos.', addItem: 'Añadir una recompensa', removeItem: 'Quitar la recompensa {n}',
    item: 'Recompensa {n}', name: 'Nombre', item_id: 'Id (opcional)', item_idHint: 'Se crea a partir del nombre si está vacío.', points: 'Puntos',
    kind: 'Tipo', value: 'Valor', valueHint: 'Un importe, o un porcentaje si es un descuento porcentual; el precio de un producto gratis.',
    product_id: 'Id del producto en la tienda', variant_id: 'Id de la variante (opcional)', product_name: 'Nombre del producto que ven los clientes',
    expires_days: 'Caduca a los (días)', none: 'Vacío para que no caduque.', noDiscount: 'Vacío para ninguno.',
    tiers: 'Niveles VIP', tier_basis: 'Los niveles cuentan', tierPoints: 'Puntos ganados', tierSpend: 'Dinero gastado',
    tier_period_days: 'Contados en los últimos (días)', lifetime: 'Vacío para toda la vida del cliente.',
    tier_grace_days: 'Días de gracia antes de perder un nivel', noTiers: 'Aún no hay niveles.', addTier: 'Añadir un nivel',
    removeTier: 'Quitar el nivel {n}', tier: 'Nivel {n}', threshold: 'Umbral', multiplier: 'Multiplicador de puntos',
    discount_percent: 'Descuento permanente (%)', free_shipping: 'Envío gratis en cada pedido',
    perks: 'Ventajas que muestra el widget', listHint: 'Sepáralas con comas.',
    tag: 'Etiqueta en la tienda', tagHint: 'Se pone al cliente en tu tienda mientras tenga el nivel (Shopify: una etiqueta de cliente; WooCommerce: el meta referral_connector_tier). Vacío para ninguna.',
    stamp: 'Tarjeta de sellos', stampOn: 'Ofrecer una tarjeta de sellos', stamps: 'Sellos para completar una tarjeta', per: 'Un sello por cada',
    order: 'Pedido que cumple', itemPer: 'Artículo que cumple', product_ids: 'Solo estos ids de producto',
    anyProduct: 'Vacío para cualquier producto. Sepáralos con comas.', min_subtotal: 'Subtotal mínimo del pedido',
    cardReward: 'La recompensa por una tarjeta completa',
    expiry: 'Caducidad', points_expire_days: 'Los puntos caducan a los (días)',
    expire_after_inactive_days: 'Todos los puntos caducan tras estos días sin actividad',
    expiry_reminder_days: 'Avisar a los clientes estos días antes de que caduquen', reminderHint: '0 para no avisar.',
    members: 'Clientes', membersText: 'El historial de puntos de cada cliente, su nivel y los ajustes manuales (sumar o quitar puntos con un motivo) están en la página Embajadores.',
    openMembers: 'Buscar un cliente',
    saved: 'Fidelidad guardada: versión {version}.', invalid: 'La fidelidad no se guardó: corrige los campos marcados.',
    other: 'Otros problemas:',
  },
});

const REDEEMABLE = ['fixed_amount_discount', 'percentage_discount', 'free_shipping', 'free_product', 'store_credit', 'gift_card'];
const PRODUCT = ['product_id', 'variant_id', 'product_name'];
const CARD_KINDS = [...REDEEMABLE, 'points'];
const STARTER = { points_per_unit: '1', earn_on: 'subtotal', join_points: 0, birthday_points: 0, catalogue: [], vip_tiers: [] };
const NEW_ITEM = () => ({ item_id: '', name: '', points: null, reward: { kind: 'fixed_amount_discount', value: '', basis: 'flat' } });
const NEW_TIER = () => ({ name: '', threshold: null, multiplier: '1', perks: [], discount_percent: null, free_shipping: false });
const NEW_CARD = () => ({ name: '', stamps: 10, per: 'order', product_ids: [], min_subtotal: '0', reward: { kind: 'fixed_amount_discount', value: '', basis: 'flat' } });

// The value a control holds, as the API reads it: numbers stay text when they are not whole
// numbers, so the API names what is wrong instead of the page guessing.
function valueOf(input, type) {
  const text = String(input.value ?? '').trim();
  if (type === 'bool') return input.checked;
  if (type === 'list') return text ? text.split(',').map((s) => s.trim()).filter(Boolean) : [];
  if (type === 'int' || type === 'int?') return text === '' ? null : (/^-?\d+$/.test(text) ? Number(text) : text);
  if (type.endsWith('?')) return text === '' ? null : text;
  return text;
}

function slug(text) {
  return text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
}

// Free shipping has no value: an empty box means none rather than a value to refuse.
function valued(reward) {
  return reward.kind === 'free_shipping' && !reward.value ? { ...reward, value: '0' } : reward;
}

// The loyalty section as the API reads it: the catalogue's ids made from the names where the
// merchant left them empty (each one new).
function ready(loyalty) {
  const taken = new Set(loyalty.catalogue.map((i) => i.item_id).filter(Boolean));
  const catalogue = loyalty.catalogue.map((item, n) => {
    let id = item.item_id;
    if (!id) {
      const base = slug(item.name) || `reward-${n + 1}`;
      id = base;
      for (let k = 2; taken.has(id); k += 1) id = `${base}-${k}`;
      taken.add(id);
    }
    return { ...item, item_id: id, reward: valued(item.reward) };
  });
  const card = loyalty.stamp_card ? { ...loyalty.stamp_card, reward: valued(loyalty.stamp_card.reward) } : loyalty.stamp_card;
  return { ...loyalty, catalogue, stamp_card: card };
}

export default {
  async render(root, ctx) {
    const live = await ctx.api('GET', '/program');
    const config = live.config;
    const model = { on: Boolean(config.loyalty), loyalty: structuredClone(config.loyalty || STARTER) };
    const L = model.loyalty;
    L.catalogue = L.catalogue || [];
    L.vip_tiers = L.vip_tiers || [];
    let controls = new Map(); // the API's path (a.b.0.c) -> its control
    const errors = h('div', { id: 'loyalty-errors' });
    const form = h('form', { novalidate: true, id: 'loyalty-form' });

    // A control bound to obj[key]: what the merchant types is kept in the model at once.
    function bind(obj, key, path, type, { options, hint, text } = {}) {
      const id = 'l-' + path.replaceAll('.', '-');
      const value = obj[key];
      let input;
      if (type === 'select') {
        input = h('select', { id }, options.map(([v, words]) => h('option', { value: v, selected: v === value }, words)));
      } else if (type === 'bool') {
        input = h('input', { id, type: 'checkbox', checked: Boolean(value) });
      } else {
        const shown = type === 'list' ? (value || []).join(', ') : (value === null || value === undefined ? '' : String(value));
        input = h('input', { id, type: 'text', value: shown, autocomplete: 'off',
          inputmode: ['text', 'text?', 'list'].includes(type) ? false : 'decimal' });
      }
      const update = () => { obj[key] = valueOf(input, type); };
      input.addEventListener('input', update);
      input.addEventListener('change', update);
      controls.set(path, input);
      if (type === 'bool') {
        const box = h('p', { class: 'field-error', id: id + '-error', hidden: true });
        input.setAttribute('aria-describedby', box.id);
        return h('div', { class: 'field' }, h('label', { class: 'check' }, input, text || w(key)), box);
      }
      return field(text || w(key), input, { hint });
    }

    const kinds = (list) => list.map((k) => [k, label(k)]);

    // A free product's fields show (and are sent) for that kind only.
    function rewardFields(reward, path, list) {
      const fields = [
        bind(reward, 'kind', `${path}.kind`, 'select', { options: kinds(list), text: w('kind') }),
        bind(reward, 'value', `${path}.value`, 'text', { text: w('value'), hint: w('valueHint') }),
        ...PRODUCT.map((key) => bind(reward, key, `${path}.${key}`, 'text?', { text: w(key) })),
      ];
      const kind = controls.get(`${path}.kind`);
      const show = () => PRODUCT.forEach((key, n) => {
        const on = kind.value === 'free_product';
        fields[2 + n].hidden = !on;
        reward[key] = on ? valueOf(controls.get(`${path}.${key}`), 'text?') : null;
      });
      kind.addEventListener('change', show);
      show();
      return fields;
    }

    function rows(list, path, draw, { none, add, make }) {
      const box = h('div', { class: 'rows' });
      const redraw = () => {
        for (const key of [...controls.keys()]) if (key.startsWith(path + '.')) controls.delete(key);
        box.replaceChildren(...(list.length ? list.map((row, n) => draw(row, n, () => { list.splice(n, 1); redraw(); dirty(); }))
          : [h('p', { class: 'hint' }, none)]));
      };
      redraw();
      const more = button(add, () => { list.push(make()); redraw(); dirty(); box.lastChild.querySelector('input').focus(); });
      return [box, h('div', { class: 'actions', style: 'justify-content:flex-start' }, more)];
    }

    function item(row, n, remove) {
      const path = `loyalty.catalogue.${n}`;
      row.reward = row.reward || { kind: 'fixed_amount_discount', value: '', basis: 'flat' };
      const drawn = h('fieldset', { class: 'catalogue-item' }, h('legend', {}, w('item', { n: n + 1 })),
        h('div', { class: 'fields' },
          bind(row, 'name', `${path}.name`, 'text'), bind(row, 'points', `${path}.points`, 'int'),
          ...rewardFields(row.reward, `${path}.reward`, REDEEMABLE),
          bind(row.reward, 'expires_days', `${path}.reward.expires_days`, 'int?', { text: w('expires_days'), hint: w('none') }),
          bind(row, 'item_id', `${path}.item_id`, 'text', { hint: w('item_idHint') })),
        h('div', { class: 'actions' }, button(w('removeItem', { n: n + 1 }), remove)));
      controls.set(path, controls.get(`${path}.item_id`)); // a reward's own errors (a duplicate id)
      return drawn;
    }

    function tier(row, n, remove) {
      const path = `loyalty.vip_tiers.${n}`;
      const drawn = h('fieldset', { class: 'vip-tier' }, h('legend', {}, w('tier', { n: n + 1 })),
        h('div', { class: 'fields' },
          bind(row, 'name', `${path}.name`, 'text'), bind(row, 'threshold', `${path}.threshold`, 'int'),
          bind(row, 'multiplier', `${path}.multiplier`, 'text'),
          bind(row, 'discount_percent', `${path}.discount_percent`, 'decimal?', { hint: w('noDiscount') }),
          bind(row, 'perks', `${path}.perks`, 'list', { hint: w('listHint') }),
          bind(row, 'tag', `${path}.tag`, 'text?', { hint: w('tagHint') }),
          bind(row, 'free_shipping', `${path}.free_shipping`, 'bool')),
        h('div', { class: 'actions' }, button(w('removeTier', { n: n + 1 }), remove)));
      controls.set(path, controls.get(`${path}.name`)); // a tier's own errors (a duplicate name)
      return drawn;
    }

    function stampCard() {
      const on = h('input', { id: 'l-stamp-on', type: 'checkbox', checked: Boolean(L.stamp_card) });
      const body = h('div', {});
      const draw = () => {
        for (const key of [...controls.keys()]) if (key.startsWith('loyalty.stamp_card')) controls.delete(key);
        if (!L.stamp_card) { body.replaceChildren(); return; }
        const card = L.stamp_card;
        card.reward = card.reward || NEW_CARD().reward;
        body.replaceChildren(h('div', { class: 'fields' },
          bind(card, 'name', 'loyalty.stamp_card.name', 'text'), bind(card, 'stamps', 'loyalty.stamp_card.stamps', 'int'),
          bind(card, 'per', 'loyalty.stamp_card.per', 'select', { options: [['order', w('order')], ['item', w('itemPer')]] }),
          bind(card, 'min_subtotal', 'loyalty.stamp_card.min_subtotal', 'text'),
          bind(card, 'product_ids', 'loyalty.stamp_card.product_ids', 'list', { hint: w('anyProduct') })),
        h('fieldset', {}, h('legend', {}, w('cardReward')),
          h('div', { class: 'fields' }, ...rewardFields(card.reward, 'loyalty.stamp_card.reward', CARD_KINDS))));
      };
      on.addEventListener('change', () => { L.stamp_card = on.checked ? (L.stamp_card || NEW_CARD()) : null; draw(); });
      controls.set('loyalty.stamp_card', on);
      draw();
      return [h('label', { class: 'check' }, on, w('stampOn')),
        h('p', { class: 'field-error', id: 'l-stamp-on-error', hidden: true }), body];
    }

    const card = (title, ...content) => h('section', { class: 'card' }, h('h2', {}, title), ...content);
    const opts = (pairs) => pairs.map(([v, key]) => [v, w(key)]);

    function drawForm() {
      controls = new Map();
      const on = h('input', { id: 'l-on', type: 'checkbox', checked: model.on });
      on.addEventListener('change', () => { model.on = on.checked; drawForm(); dirty(); });
      controls.set('loyalty', on);
      const head = card(w('program'), h('label', { class: 'check' }, on, w('on')), h('p', { class: 'hint' }, w('onHint')),
        h('p', { class: 'field-error', id: 'l-on-error', hidden: true }));
      const members = card(w('members'), h('p', {}, w('membersText')),
        h('div', { class: 'actions', style: 'justify-content:flex-start' }, button(w('openMembers'), () => ctx.navigate('advocates'))));
      if (!model.on) {
        form.replaceChildren(head, h('p', { class: 'hint' }, w('off'), ' ', w('offNext')), errors, saveRow, members);
        return;
      }
      const [itemRows, itemAdd] = rows(L.catalogue, 'loyalty.catalogue', item, { none: w('noItems'), add: w('addItem'), make: NEW_ITEM });
      const [tierRows, tierAdd] = rows(L.vip_tiers, 'loyalty.vip_tiers', tier, { none: w('noTiers'), add: w('addTier'), make: NEW_TIER });
      form.replaceChildren(head,
        card(w('earning'), h('div', { class: 'fields' },
          bind(L, 'points_per_unit', 'loyalty.points_per_unit', 'text'),
          bind(L, 'earn_on', 'loyalty.earn_on', 'select', { options: opts([['subtotal', 'subtotal'], ['total', 'total']]) }),
          bind(L, 'join_points', 'loyalty.join_points', 'int'),
          bind(L, 'birthday_points', 'loyalty.birthday_points', 'int', { hint: w('birthday_pointsHint') }),
          bind(L, 'points_per_currency_unit_redeemed', 'loyalty.points_per_currency_unit_redeemed', 'int'))),
        card(w('catalogue'), h('p', { class: 'hint' }, w('catalogueHint')), itemRows, itemAdd),
        card(w('tiers'), h('div', { class: 'fields' },
          bind(L, 'tier_basis', 'loyalty.tier_basis', 'select', { options: opts([['points', 'tierPoints'], ['spend', 'tierSpend']]) }),
          bind(L, 'tier_period_days', 'loyalty.tier_period_days', 'int?', { hint: w('lifetime') }),
          bind(L, 'tier_grace_days', 'loyalty.tier_grace_days', 'int')), tierRows, tierAdd),
        card(w('stamp'), ...stampCard()),
        card(w('expiry'), h('div', { class: 'fields' },
          bind(L, 'points_expire_days', 'loyalty.points_expire_days', 'int?', { hint: w('none') }),
          bind(L, 'expire_after_inactive_days', 'loyalty.expire_after_inactive_days', 'int?', { hint: w('none') }),
          bind(L, 'expiry_reminder_days', 'loyalty.expiry_reminder_days', 'int', { hint: w('reminderHint') }))),
        errors, saveRow, members);
    }

    function clearErrors() {
      for (const input of controls.values()) setFieldError(input, '');
      errors.replaceChildren();
    }

    function showErrors(fields) {
      showFieldErrors(fields, (path) => controls.get(path),
        { form, box: errors, title: w('invalid'), other: w('other') });
    }

    async function save() {
      clearErrors();
      const body = { ...config, loyalty: model.on ? ready(L) : null };
      delete body.version;
      await saveProgram(ctx, body, { page: 'loyalty', saved: (version) => w('saved', { version }),
        onFields: showErrors, box: errors });
    }

    const saveButton = button(w('common.save'), null, { primary: true, type: 'submit' });
    const saveRow = h('div', { class: 'actions' }, saveButton);
    const dirty = () => ctx.saveBar.show({ save: () => busy(saveButton, save), discard: () => { ctx.saveBar.hide(); ctx.navigate('loyalty'); } });
    form.addEventListener('submit', (event) => { event.preventDefault(); busy(saveButton, save); });
    form.addEventListener('input', dirty);
    form.addEventListener('change', dirty);
    drawForm();
    root.append(form);
  },
};
