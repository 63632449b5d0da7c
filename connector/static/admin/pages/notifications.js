// Notifications: which messages go out, their words per language, a preview, a test, the outbox.
import { words, when, label, number, getLocale } from '../i18n.js';
import { h, field, setFieldError, button, busy, empty, table } from '../dom.js';

const w = words({
  en: {
    intro: 'The emails (and WhatsApp messages) the program sends to your shoppers and to you. Each one is written when its event happens and sent once.',
    channels: 'Channels', email: 'Email', emailOn: 'Email is on.', whatsapp: 'WhatsApp',
    emailOff: 'Email is off on this server: whoever runs the connector must set SMTP_URL. Until then every email is kept as not sent.',
    whatsappOn: 'Connected: number {id}. Shoppers who opted in from the widget also get these by WhatsApp.',
    whatsappOff: 'Not connected: WhatsApp messages are not sent. Connect your WhatsApp Business number to send them to shoppers who opted in.',
    phoneId: 'Phone number id', phoneIdHint: 'From WhatsApp Manager → API setup (digits only).',
    token: 'Access token', tokenHint: 'Kept encrypted and never shown again. Leave empty to keep the saved one.',
    connect: 'Connect WhatsApp', disconnect: 'Disconnect', connected: 'WhatsApp connected.', disconnected: 'WhatsApp disconnected.',
    messages: 'Messages', textLocale: 'Language of the texts', send: 'Send', kindCol: 'Message', who: 'To', kindOf: 'Kind',
    shopper: 'Shopper', merchant: 'You', transactional: 'Transactional', marketing: 'Marketing (needs consent)',
    edit: 'Edit', editing: 'Editing: {name}', subject: 'Subject', body: 'Body',
    textHint: 'Placeholders in double braces are replaced for each shopper. Empty: the default.',
    placeholders: 'Placeholders (click to add)', reset: 'Use the default text',
    preview: 'Preview', previewTitle: 'Preview with your shop’s data', previewSubject: 'Subject: {subject}',
    htmlPart: 'The email as shoppers see it', textPart: 'Plain-text part',
    testTo: 'Send a test to', sendTest: 'Send me a test', testSent: 'Test sent to {to}.',
    sender: 'Sender and timing', fromName: 'From name', fromAddress: 'From address', replyTo: 'Reply-to address',
    merchantEmail: 'Your address for notices', merchantHint: 'Where reviews, problems and the weekly digest go.',
    locale: 'Language when the shopper’s is unknown', askAfter: 'Ask to refer, days after a paid order',
    winbackAfter: 'Ask back, days after the last order', longTime: 'Long-time customer from this many orders',
    consent: 'Marketing consent', consentStore: 'Only shoppers the store records as subscribed',
    consentCollected: 'I collect marketing consent myself (every customer may be asked)',
    consentHint: 'Shopify stores say who subscribed to email marketing; WooCommerce stores keep no such record.',
    saved: 'Notifications saved.', invalid: 'The notifications were not saved: fix the fields marked below.',
    outbox: 'Sent and waiting', outboxHint: 'Every message, newest first. One that gave up or was skipped can be sent again.',
    status: 'Show', all: 'All', sent: 'Sent', skipped: 'Not sent', none: 'No messages yet.',
    noneNext: 'Messages appear here as referrals and rewards happen.', recipient: 'Recipient', why: 'Why',
    tries: 'Tries', sendAgain: 'Send again', requeued: 'Message {id} will be sent again.', on: 'Send {name}',
    'reason.switched_off': 'Switched off', 'reason.no_consent': 'No marketing consent',
    'reason.unsubscribed': 'Unsubscribed', 'reason.email_off': 'Email is off', 'reason.whatsapp_off': 'WhatsApp not connected',
    'reason.no_address': 'No address', 'reason.refused': 'Refused by the server', 'reason.attempts_exhausted': 'Gave up after retries',
    'reason.redacted': 'Erased on request', 'reason.shop_uninstalled': 'App uninstalled',
  },
  es: {
    intro: 'Los correos (y mensajes de WhatsApp) que el programa envía a tus clientes y a ti. Cada uno se escribe cuando ocurre su evento y se envía una sola vez.',
    channels: 'Canales', email: 'Correo', emailOn: 'El correo está activo.', whatsapp: 'WhatsApp',
    emailOff: 'El correo está desactivado en este servidor: quien gestiona el conector debe definir SMTP_URL. Hasta entonces cada correo queda como no enviado.',
    whatsappOn: 'Conectado: número {id}. Quien lo aceptó en el widget también los recibe por WhatsApp.',
    whatsappOff: 'Sin conectar: no se envían mensajes de WhatsApp. Conecta tu número de WhatsApp Business para enviarlos a quien lo aceptó.',
    phoneId: 'Identificador del número', phoneIdHint: 'En WhatsApp Manager → Configuración de la API (solo dígitos).',
    token: 'Token de acceso', tokenHint: 'Se guarda cifrado y no se vuelve a mostrar. Déjalo vacío para conservar el guardado.',
    connect: 'Conectar WhatsApp', disconnect: 'Desconectar', connected: 'WhatsApp conectado.', disconnected: 'WhatsApp desconectado.',
    messages: 'Mensajes', textLocale: 'Idioma de los textos', send: 'Enviar', kindCol: 'Mensaje', who: 'Para', kindOf: 'Tipo',
    shopper: 'Cliente', merchant: 'Tú', transactional: 'Transaccional', marketing: 'Marketing (requiere consentimiento)',
    edit: 'Editar', editing: 'Editando: {name}', subject: 'Asunto', body: 'Cuerpo',
    textHint: 'Los marcadores entre llaves dobles se sustituyen para cada cliente. Vacío: el predeterminado.',
    placeholders: 'Marcadores (pulsa para añadir)', reset: 'Usar el texto predeterminado',
    preview: 'Vista previa', previewTitle: 'Vista previa con los datos de tu tienda', previewSubject: 'Asunto: {subject}',
    htmlPart: 'El correo tal como lo ven tus clientes', textPart: 'Parte de texto sin formato',
    testTo: 'Enviar una prueba a', sendTest: 'Enviarme una prueba', testSent: 'Prueba enviada a {to}.',
    sender: 'Remitente y plazos', fromName: 'Nombre del remitente', fromAddress: 'Dirección del remitente', replyTo: 'Dirección de respuesta',
    merchantEmail: 'Tu dirección para avisos', merchantHint: 'Donde llegan las revisiones, los problemas y el resumen semanal.',
    locale: 'Idioma si no se conoce el del cliente', askAfter: 'Pedir recomendación, días tras un pedido pagado',
    winbackAfter: 'Invitar a volver, días tras el último pedido', longTime: 'Cliente habitual a partir de estos pedidos',
    consent: 'Consentimiento de marketing', consentStore: 'Solo clientes que la tienda registra como suscritos',
    consentCollected: 'Yo recojo el consentimiento de marketing (se puede escribir a todos)',
    consentHint: 'Las tiendas Shopify indican quién se suscribió al marketing por correo; las de WooCommerce no lo registran.',
    saved: 'Notificaciones guardadas.', invalid: 'Las notificaciones no se guardaron: corrige los campos marcados.',
    outbox: 'Enviados y en espera', outboxHint: 'Todos los mensajes, los más recientes primero. Uno abandonado u omitido se puede volver a enviar.',
    status: 'Mostrar', all: 'Todos', sent: 'Enviado', skipped: 'No enviado', none: 'Aún no hay mensajes.',
    noneNext: 'Los mensajes aparecen aquí según ocurren referidos y recompensas.', recipient: 'Destinatario', why: 'Motivo',
    tries: 'Intentos', sendAgain: 'Volver a enviar', requeued: 'El mensaje {id} se volverá a enviar.', on: 'Enviar {name}',
    'reason.switched_off': 'Desactivado', 'reason.no_consent': 'Sin consentimiento de marketing',
    'reason.unsubscribed': 'Se dio de baja', 'reason.email_off': 'Correo desactivado', 'reason.whatsapp_off': 'WhatsApp sin conectar',
    'reason.no_address': 'Sin dirección', 'reason.refused': 'Rechazado por el servidor', 'reason.attempts_exhausted': 'Abandonado tras reintentos',
    'reason.redacted': 'Borrado a petición', 'reason.shop_uninstalled': 'App desinstalada',
  },
});

const KIND_NAMES = {
  en: {
    welcome: 'Welcome, with their link', reward_earned: 'Reward earned', reward_reversed: 'Reward taken back',
    reward_expiring: 'Reward about to expire', points_expiring: 'Points about to expire', tier_reached: 'Tier reached',
    stamp_card_completed: 'Stamp card completed', birthday: 'Birthday points',
    purchase_ask: 'Ask to refer after a purchase', winback_ask: 'Ask a past customer back',
    thanks_long_time: 'Thank a long-time customer', thanks_occasional: 'Thank an occasional customer',
    referral_flagged: 'A referral to review', deliveries_dead: 'Deliveries that gave up',
    reauth_needed: 'Your store needs reconnecting', weekly_digest: 'Weekly digest', budget_warning: 'Budget almost spent',
  },
  es: {
    welcome: 'Bienvenida, con su enlace', reward_earned: 'Recompensa ganada', reward_reversed: 'Recompensa retirada',
    reward_expiring: 'Recompensa a punto de caducar', points_expiring: 'Puntos a punto de caducar', tier_reached: 'Nivel alcanzado',
    stamp_card_completed: 'Tarjeta de sellos completada', birthday: 'Puntos de cumpleaños',
    purchase_ask: 'Pedir recomendación tras una compra', winback_ask: 'Invitar a volver a un antiguo cliente',
    thanks_long_time: 'Agradecer a un cliente habitual', thanks_occasional: 'Agradecer a un cliente ocasional',
    referral_flagged: 'Un referido que revisar', deliveries_dead: 'Entregas abandonadas',
    reauth_needed: 'Hay que volver a conectar tu tienda', weekly_digest: 'Resumen semanal', budget_warning: 'Presupuesto casi agotado',
  },
};
const kindName = (name) => (KIND_NAMES[getLocale()] || KIND_NAMES.en)[name] || name;
const LANG_NAMES = { en: 'English', es: 'Español' };

export default {
  async render(root, ctx) {
    const data = await ctx.api('GET', '/notifications');
    root.append(h('p', {}, w('intro')), channelsCard(ctx, data), notificationsForm(ctx, data), outboxCard(ctx));
  },
};

function channelsCard(ctx, data) {
  const mail = data.channels.email;
  const wa = data.channels.whatsapp;
  const phone = h('input', { id: 'wa-phone', type: 'text', inputmode: 'numeric', value: wa.phone_number_id || '', autocomplete: 'off' });
  const token = h('input', { id: 'wa-token', type: 'password', value: '', autocomplete: 'off' });
  const out = h('div', {});
  const connect = button(w('connect'), async () => {
    setFieldError(phone, ''); setFieldError(token, '');
    const change = { phone_number_id: phone.value.trim() };
    if (token.value.trim()) change.token = token.value.trim();
    const done = await busy(connect, () => ctx.api('PUT', '/notifications', { whatsapp: change }), (e) => {
      for (const f of e.fields || []) {
        if (f.path === 'whatsapp.phone_number_id') setFieldError(phone, f.message);
        else if (f.path === 'whatsapp.token') setFieldError(token, f.message);
      }
      out.replaceChildren(ctx.errorBox(e));
    });
    if (!done) return;
    ctx.toast(w('connected'));
    ctx.navigate('notifications');
  }, { primary: !wa.on });
  const disconnect = wa.on ? button(w('disconnect'), async () => {
    const done = await busy(disconnect, () => ctx.api('PUT', '/notifications', { whatsapp: null }), (e) => out.replaceChildren(ctx.errorBox(e)));
    if (!done) return;
    ctx.toast(w('disconnected'));
    ctx.navigate('notifications');
  }, { danger: true }) : null;
  return h('section', { class: 'card', 'aria-labelledby': 'channels-title' }, h('h2', { id: 'channels-title' }, w('channels')),
    h('h3', {}, w('email')),
    h('p', { id: 'email-state', class: mail.on ? 'notice notice-ok' : 'notice notice-warn' }, mail.on ? w('emailOn') : w('emailOff')),
    h('h3', {}, w('whatsapp')),
    h('p', { id: 'whatsapp-state', class: 'notice' }, wa.on ? w('whatsappOn', { id: wa.phone_number_id }) : w('whatsappOff')),
    h('div', { class: 'fields' }, field(w('phoneId'), phone, { hint: w('phoneIdHint') }), field(w('token'), token, { hint: w('tokenHint') })),
    out, h('div', { class: 'actions' }, connect, disconnect));
}

function notificationsForm(ctx, data) {
  const kinds = data.kinds;
  const s = data.settings;
  const locales = data.locales;
  const start = locales.includes(getLocale()) ? getLocale() : s.locale;
  const textLocale = h('select', { id: 'notif-locale' }, locales.map((l) => h('option', { value: l, selected: l === start }, LANG_NAMES[l] || l)));
  // Drafts of texts per kind and locale, and which were edited (only those are sent).
  const drafts = Object.fromEntries(kinds.map((k) => [k.name, JSON.parse(JSON.stringify(k.texts))]));
  const edited = new Set();
  const switches = new Map();
  let current = kinds[0].name;

  const rows = kinds.map((k) => {
    const on = h('input', { type: 'checkbox', id: `notif-on-${k.name}`, checked: k.on, 'aria-label': w('on', { name: kindName(k.name) }) });
    switches.set(k.name, on);
    const edit = button(w('edit'), () => { current = k.name; drawEditor(); editor.scrollIntoView({ block: 'nearest' }); }, { 'aria-label': `${w('edit')} ${kindName(k.name)}` });
    return h('tr', {}, h('td', {}, on), h('td', {}, kindName(k.name)), h('td', {}, w(k.audience)),
      h('td', {}, h('span', { class: k.category === 'marketing' ? 'badge warn' : 'badge' }, w(k.category))), h('td', {}, edit));
  });

  const subject = h('input', { id: 'notif-subject', type: 'text', autocomplete: 'off' });
  const body = h('textarea', { id: 'notif-body', rows: '9' });
  const chips = h('p', { class: 'chips', id: 'notif-placeholders' });
  const title = h('h3', { id: 'notif-editor-title' });
  const previewBox = h('div', { id: 'notif-preview', 'aria-live': 'polite' });
  const testTo = h('input', { id: 'notif-test-to', type: 'email', value: s.merchant_email || '', autocomplete: 'email' });
  const editorOut = h('div', {});

  function kindOf(name) { return kinds.find((k) => k.name === name); }
  function draft() { return drafts[current][textLocale.value]; }
  function drawEditor() {
    const k = kindOf(current);
    const d = draft();
    title.textContent = w('editing', { name: kindName(current) });
    subject.value = d.subject; body.value = d.body;
    subject.placeholder = k.defaults[textLocale.value].subject;
    setFieldError(subject, ''); setFieldError(body, '');
    chips.replaceChildren(...Object.keys(k.placeholders).map((p) => button(`{{ ${p} }}`, () => insert(`{{ ${p} }}`), { class: 'btn chip', title: k.placeholders[p] })));
    previewBox.replaceChildren();
    editorOut.replaceChildren();
  }
  function insert(text) {
    const at = body.selectionStart ?? body.value.length;
    body.value = body.value.slice(0, at) + text + body.value.slice(body.selectionEnd ?? at);
    body.dispatchEvent(new Event('input', { bubbles: true }));
    body.focus();
  }
  function remember() {
    drafts[current][textLocale.value] = { ...draft(), subject: subject.value, body: body.value };
    edited.add(`${current}/${textLocale.value}`);
  }
  subject.addEventListener('input', remember);
  body.addEventListener('input', remember);
  textLocale.addEventListener('change', drawEditor);

  const reset = button(w('reset'), () => {
    const k = kindOf(current);
    subject.value = k.defaults[textLocale.value].subject;
    body.value = k.defaults[textLocale.value].body;
    remember();
    dirty();
  });
  const showErrors = (e) => {
    for (const f of e.fields || []) {
      if (f.path === 'subject') setFieldError(subject, f.message);
      if (f.path === 'body') setFieldError(body, f.message);
    }
    editorOut.replaceChildren(ctx.errorBox(e));
  };
  const draftBody = () => ({ kind: current, locale: textLocale.value, subject: subject.value, body: body.value });
  const preview = button(w('preview'), async () => {
    setFieldError(subject, ''); setFieldError(body, ''); editorOut.replaceChildren();
    const shown = await busy(preview, () => ctx.api('POST', '/notifications/preview', draftBody()), showErrors);
    if (!shown) return;
    const frame = h('iframe', { title: w('htmlPart'), sandbox: '', class: 'preview-frame', id: 'notif-preview-html' });
    frame.srcdoc = shown.html;
    previewBox.replaceChildren(h('h4', {}, w('previewTitle')),
      h('p', { id: 'notif-preview-subject' }, h('strong', {}, w('previewSubject', { subject: shown.subject }))),
      frame, h('details', {}, h('summary', {}, w('textPart')), h('pre', { id: 'notif-preview-text' }, shown.text)));
  });
  const sendTest = button(w('sendTest'), async () => {
    setFieldError(testTo, ''); editorOut.replaceChildren();
    const sent = await busy(sendTest, () => ctx.api('POST', '/notifications/test', { ...draftBody(), to: testTo.value.trim() || null }), (e) => {
      for (const f of e.fields || []) if (f.path === 'to') setFieldError(testTo, f.message);
      showErrors(e);
    });
    if (sent) ctx.toast(w('testSent', { to: sent.to }));
  });
  const editor = h('section', { class: 'editor', id: 'notif-editor', 'aria-labelledby': 'notif-editor-title' }, title,
    h('div', { class: 'fields' }, field(w('subject'), subject, { wide: true }), field(w('body'), body, { hint: w('textHint'), wide: true })),
    h('p', { class: 'hint' }, w('placeholders')), chips,
    h('div', { class: 'actions' }, reset, preview),
    h('div', { class: 'row' }, field(w('testTo'), testTo), sendTest),
    editorOut, previewBox);

  const numberInput = (id, value, min, max) => h('input', { id, type: 'number', min, max, step: 1, value });
  const fields = {
    from_name: h('input', { id: 'notif-from-name', type: 'text', value: s.from_name }),
    from_address: h('input', { id: 'notif-from-address', type: 'email', value: s.from_address }),
    reply_to: h('input', { id: 'notif-reply-to', type: 'email', value: s.reply_to }),
    merchant_email: h('input', { id: 'notif-merchant-email', type: 'email', value: s.merchant_email }),
    locale: h('select', { id: 'notif-default-locale' }, locales.map((l) => h('option', { value: l, selected: l === s.locale }, LANG_NAMES[l] || l))),
    ask_after_days: numberInput('notif-ask-after', s.ask_after_days, 1, 365),
    winback_after_days: numberInput('notif-winback-after', s.winback_after_days, 7, 730),
    long_time_orders: numberInput('notif-long-time', s.long_time_orders, 2, 100),
    store_consent: h('select', { id: 'notif-consent' }, ['store', 'collected'].map((c) => h('option', { value: c, selected: c === s.store_consent }, w(c === 'store' ? 'consentStore' : 'consentCollected')))),
  };
  const save = button(w('common.save'), null, { type: 'submit', primary: true });
  const out = h('div', {});
  const form = h('form', { novalidate: true },
    h('section', { class: 'card', 'aria-labelledby': 'messages-title' }, h('h2', { id: 'messages-title' }, w('messages')),
      field(w('textLocale'), textLocale),
      table(w('messages'), [w('send'), w('kindCol'), w('who'), w('kindOf'), w('common.actions')], rows),
      editor),
    h('section', { class: 'card', 'aria-labelledby': 'sender-title' }, h('h2', { id: 'sender-title' }, w('sender')),
      h('div', { class: 'fields' },
        field(w('fromName'), fields.from_name), field(w('fromAddress'), fields.from_address), field(w('replyTo'), fields.reply_to),
        field(w('merchantEmail'), fields.merchant_email, { hint: w('merchantHint') }), field(w('locale'), fields.locale),
        field(w('askAfter'), fields.ask_after_days), field(w('winbackAfter'), fields.winback_after_days),
        field(w('longTime'), fields.long_time_orders), field(w('consent'), fields.store_consent, { hint: w('consentHint') }))),
    out, h('div', { class: 'actions' }, save));
  drawEditor();

  const dirty = () => ctx.saveBar.show({ save: () => form.requestSubmit(), discard: () => { ctx.saveBar.hide(); ctx.navigate('notifications'); } });
  form.addEventListener('input', dirty);
  form.addEventListener('change', dirty);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    out.replaceChildren();
    for (const control of [subject, body, ...Object.values(fields)]) setFieldError(control, '');
    const change = { kinds: {} };
    for (const k of kinds) {
      const entry = {};
      if (switches.get(k.name).checked !== k.on) entry.on = switches.get(k.name).checked;
      for (const l of locales) {
        if (!edited.has(`${k.name}/${l}`)) continue;
        const d = drafts[k.name][l];
        const same = d.subject === k.defaults[l].subject && d.body === k.defaults[l].body;
        entry.texts = entry.texts || {};
        entry.texts[l] = same ? null : { subject: d.subject, body: d.body };
      }
      if (Object.keys(entry).length) change.kinds[k.name] = entry;
    }
    for (const [name, control] of Object.entries(fields)) {
      change[name] = control.type === 'number' ? Number(control.value) : control.value.trim();
    }
    if (change.from_address === s.from_address) delete change.from_address;  // the server's default stays a default
    if (change.from_name === s.from_name) delete change.from_name;
    const done = await busy(save, () => ctx.api('PUT', '/notifications', change), (e) => {
      const leftovers = [];
      for (const f of e.fields || []) {
        const target = fields[f.path] || (f.path.startsWith(`kinds.${current}.texts.${textLocale.value}.`) ? (f.path.endsWith('.subject') ? subject : body) : null);
        if (target) setFieldError(target, f.message); else leftovers.push(`${f.path}: ${f.message}`);
      }
      out.replaceChildren(h('div', { class: 'notice notice-error', role: 'alert' },
        h('p', {}, (e.fields || []).length ? w('invalid') : e.sentence), ...leftovers.map((x) => h('p', {}, x))));
    });
    if (!done) return;
    ctx.saveBar.hide();
    ctx.toast(w('saved'));
    ctx.navigate('notifications');
  });
  return form;
}

function outboxCard(ctx) {
  const FILTERS = ['all', 'dead', 'skipped', 'pending', 'sent'];
  const select = h('select', { id: 'outbox-status' }, FILTERS.map((f) => h('option', { value: f }, f === 'all' ? w('all') : w(f) !== f ? w(f) : label(f))));
  const list = h('div', { 'aria-live': 'polite' });
  async function load() {
    const status = select.value;
    const answer = await ctx.api('GET', `/messages?limit=50${status === 'all' ? '' : `&status=${status}`}`);
    if (!answer.messages.length) { list.replaceChildren(empty(w('none'), w('noneNext'))); return; }
    list.replaceChildren(table(w('outbox'), ['#', w('kindCol'), w('recipient'), w('common.state'), w('why'), w('tries'), w('common.date'), w('common.actions')],
      answer.messages.map((m) => {
        const cell = h('td', {});
        if (m.status === 'dead' || m.status === 'skipped') {
          const again = button(w('sendAgain'), async () => {
            const done = await busy(again, () => ctx.api('POST', `/messages/${m.id}/replay`), (e) => cell.append(ctx.errorBox(e)));
            if (!done) return;
            ctx.toast(w('requeued', { id: m.id }));
            cell.replaceChildren(h('span', { class: 'badge' }, label('pending')));
          }, { 'aria-label': `${w('sendAgain')} ${m.id}` });
          cell.append(again);
        }
        const tone = m.status === 'sent' ? 'badge good' : m.status === 'dead' ? 'badge bad' : 'badge';
        const why = m.reason ? w(`reason.${m.reason}`) : (m.last_error || '—');
        return h('tr', {}, h('td', {}, String(m.id)), h('td', {}, kindName(m.kind)), h('td', {}, m.recipient || '—'),
          h('td', {}, h('span', { class: tone }, m.status === 'sent' ? w('sent') : m.status === 'skipped' ? w('skipped') : label(m.status))),
          h('td', {}, why), h('td', { class: 'num' }, number(m.attempts)), h('td', {}, when(m.sent_at || m.created_at)), cell);
      })));
  }
  select.addEventListener('change', () => load().catch((e) => list.replaceChildren(ctx.errorBox(e))));
  load().catch((e) => list.replaceChildren(ctx.errorBox(e)));
  return h('section', { class: 'card', 'aria-labelledby': 'outbox-title' }, h('h2', { id: 'outbox-title' }, w('outbox')),
    h('p', { class: 'hint' }, w('outboxHint')), h('div', { class: 'row' }, field(w('status'), select)), list);
}
