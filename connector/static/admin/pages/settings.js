// Settings: the widget's words per language, the referral parameter, consent, and partners.
import { words, getLocale } from '../i18n.js';
import { h, field, setFieldError, button, busy, empty, table } from '../dom.js';

const w = words({
  en: {
    widget: 'Widget words', widgetHint: 'Leave a box empty to use the default shown under it.',
    language: 'Language of the words', link: 'Referral link', refParam: 'Link parameter',
    refHint: 'The name in your share links, e.g. ?ref=CODE. Letters, digits, - and _.',
    consent: 'Cookie consent', ask: 'Ask the shopper before remembering a referral', granted: 'Remember referrals without asking',
    platform: 'Follow the store’s own consent banner', saved: 'Settings saved.', invalid: 'The settings were not saved: fix the fields marked below.',
    partners: 'Partners', partnersHint: 'Partner brands from your program. Enrol one to give it a code and a landing text.',
    noPartners: 'Your program has no partners.', noPartnersNext: 'Add partners on the Program page (or choose the partnership program on Get started), then enrol them here.',
    partner: 'Partner', account: 'Account', enrolled: 'Enrolled', code: 'Code', enrol: 'Enrol',
    landing: 'Landing text ({lang})', enrolledDone: '{name} is enrolled.', update: 'Update', yes: 'Yes', no: 'Not yet',
    defaultIs: 'Default: {text}', store: 'Your store', storeName: 'Store name',
    storeUrl: 'Store address', storeUrlHint: 'Where share links lead, such as https://shop.example.',
  },
  es: {
    widget: 'Textos del widget', widgetHint: 'Deja una caja vacía para usar el texto predeterminado que aparece debajo.',
    language: 'Idioma de los textos', link: 'Enlace de referido', refParam: 'Parámetro del enlace',
    refHint: 'El nombre en tus enlaces, p. ej. ?ref=CODIGO. Letras, dígitos, - y _.',
    consent: 'Consentimiento de cookies', ask: 'Preguntar al cliente antes de recordar un referido', granted: 'Recordar referidos sin preguntar',
    platform: 'Seguir el aviso de consentimiento de la tienda', saved: 'Ajustes guardados.', invalid: 'Los ajustes no se guardaron: corrige los campos marcados.',
    partners: 'Socios', partnersHint: 'Las marcas asociadas de tu programa. Inscribe una para darle un código y un texto de bienvenida.',
    noPartners: 'Tu programa no tiene socios.', noPartnersNext: 'Añade socios en la página Programa (o elige el programa de socios en Primeros pasos) e inscríbelos aquí.',
    partner: 'Socio', account: 'Cuenta', enrolled: 'Inscrito', code: 'Código', enrol: 'Inscribir',
    landing: 'Texto de bienvenida ({lang})', enrolledDone: '{name} está inscrito.', update: 'Actualizar', yes: 'Sí', no: 'Aún no',
    defaultIs: 'Predeterminado: {text}', store: 'Tu tienda', storeName: 'Nombre de la tienda',
    storeUrl: 'Dirección de la tienda', storeUrlHint: 'A dónde llevan los enlaces, p. ej. https://tienda.example.',
  },
});

export default {
  async render(root, ctx) {
    const [settings, partners] = await Promise.all([ctx.api('GET', '/settings'), ctx.api('GET', '/partners')]);
    root.append(settingsForm(ctx, settings), partnersCard(ctx, partners.partners, settings.locales));
  },
};

function settingsForm(ctx, s) {
  const locales = s.locales || Object.keys(s.defaults || {});
  const names = { en: 'English', es: 'Español' };
  const lang = h('select', { id: 'copy-locale' }, locales.map((l) => h('option', { value: l, selected: l === (locales.includes(getLocale()) ? getLocale() : locales[0]) }, names[l] || l)));
  const refParam = h('input', { id: 'settings-ref-param', type: 'text', value: s.ref_param, autocomplete: 'off' });
  const storeName = h('input', { id: 'settings-name', type: 'text', value: s.name || '', autocomplete: 'organization' });
  const storeUrl = h('input', { id: 'settings-url', type: 'url', value: s.url || '', autocomplete: 'url' });
  const consent = h('select', { id: 'settings-consent' }, ['ask', 'granted', 'platform'].map((c) => h('option', { value: c, selected: c === s.consent }, w(c))));
  const copy = JSON.parse(JSON.stringify(s.copy || {}));
  const boxes = h('div', { class: 'fields' });
  const inputs = new Map();

  function drawCopy() {
    const l = lang.value;
    inputs.clear();
    boxes.replaceChildren(...Object.entries(s.defaults[l] || {}).map(([key, text]) => {
      const shown = typeof text === 'string' ? text : JSON.stringify(text);
      const input = h('input', { id: `copy-${l}-${key}`, type: 'text', value: (copy[l] && copy[l][key]) || '', placeholder: shown });
      input.addEventListener('input', () => { copy[l] = copy[l] || {}; if (input.value) copy[l][key] = input.value; else delete copy[l][key]; });
      inputs.set(`copy.${l}.${key}`, input);
      return field(key, input, { hint: w('defaultIs', { text: shown }) });
    }));
  }
  lang.addEventListener('change', drawCopy);
  drawCopy();

  const save = button(w('common.save'), null, { type: 'submit', primary: true });
  const out = h('div', {});
  const form = h('form', { novalidate: true },
    h('section', { class: 'card' }, h('h2', {}, w('store')), h('div', { class: 'fields' },
      field(w('storeName'), storeName), field(w('storeUrl'), storeUrl, { hint: w('storeUrlHint') }))),
    h('section', { class: 'card' }, h('h2', {}, w('link')), h('div', { class: 'fields' },
      field(w('refParam'), refParam, { hint: w('refHint') }), field(w('consent'), consent))),
    h('section', { class: 'card' }, h('h2', {}, w('widget')), h('p', { class: 'hint' }, w('widgetHint')),
      field(w('language'), lang), boxes),
    out, h('div', { class: 'actions' }, save));
  const dirty = () => ctx.saveBar.show({ save: () => form.requestSubmit(), discard: () => { ctx.saveBar.hide(); ctx.navigate('settings'); } });
  form.addEventListener('input', dirty);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    out.replaceChildren();
    setFieldError(refParam, ''); setFieldError(storeName, ''); setFieldError(storeUrl, '');
    for (const input of inputs.values()) setFieldError(input, '');
    const done = await busy(save, () => ctx.api('PUT', '/settings', { name: storeName.value.trim(), url: storeUrl.value.trim(), ref_param: refParam.value.trim(), consent: consent.value, copy }), (e) => {
      const leftovers = [];
      for (const f of e.fields) {
        const target = { ref_param: refParam, name: storeName, url: storeUrl, consent }[f.path] || inputs.get(f.path);
        if (target) setFieldError(target, f.message); else leftovers.push(`${f.path}: ${f.message}`);
      }
      out.replaceChildren(h('div', { class: 'notice notice-error', role: 'alert' },
        h('p', {}, e.fields.length ? w('invalid') : e.sentence), ...leftovers.map((x) => h('p', {}, x))));
    });
    if (!done) return;
    ctx.saveBar.hide();
    ctx.toast(w('saved'));
  });
  return form;
}

function partnersCard(ctx, partners, locales) {
  const card = h('section', { class: 'card', 'aria-labelledby': 'partners-title' }, h('h2', { id: 'partners-title' }, w('partners')),
    h('p', { class: 'hint' }, w('partnersHint')));
  if (!partners.length) {
    card.append(empty(w('noPartners'), w('noPartnersNext'), button(w('nav.program'), () => ctx.navigate('program'))));
    return card;
  }
  card.append(table(w('partners'), [w('partner'), w('account'), w('enrolled'), w('common.actions')], partners.map((p) => {
    const texts = (locales || ['es', 'en']).map((l) => {
      const input = h('input', { id: `landing-${p.partner_id}-${l}`, type: 'text', value: (p.landing && p.landing[l]) || '' });
      return [l, input];
    });
    const out = h('div', {});
    const go = button(p.enrolled ? w('update') : w('enrol'), async () => {
      const landing = Object.fromEntries(texts.filter(([, i]) => i.value.trim()).map(([l, i]) => [l, i.value.trim()]));
      const done = await busy(go, () => ctx.api('POST', '/partners', { partner_id: p.partner_id, landing }), (e) => out.replaceChildren(ctx.errorBox(e)));
      if (!done) return;
      ctx.toast(w('enrolledDone', { name: p.name }));
      ctx.navigate('settings');
    }, { primary: !p.enrolled, 'aria-label': `${p.enrolled ? w('update') : w('enrol')} ${p.name}` });
    return h('tr', {}, h('td', {}, p.name), h('td', {}, p.account_id),
      h('td', {}, p.enrolled ? [w('yes'), p.advocate ? [' · ', h('code', {}, p.advocate.friend_code)] : null] : w('no')),
      h('td', {}, ...texts.map(([l, input]) => field(w('landing', { lang: l }), input)), go, out));
  })));
  return card;
}
