// Webhooks: the merchant's HTTPS endpoints for the program's events, and every delivery attempt.
import { words, when, number } from '../i18n.js';
import { h, field, table, button, busy, empty, setFieldError } from '../dom.js';

const w = words({
  en: {
    intro: 'Send the program’s events to your own systems (a CRM, an email tool, a data warehouse). Each request is signed: check the X-Referral-Signature header with the endpoint’s secret.',
    add: 'Add an endpoint', url: 'HTTPS URL', urlHint: 'Must be reachable from the internet; private and local addresses are refused.',
    description: 'Description (optional)', events: 'Events', save: 'Add endpoint',
    secretTitle: 'Copy the signing secret now', secretBody: 'It is shown only this once. Keep it with the receiving system: it proves a request came from us.',
    none: 'No endpoint yet.', noneNext: 'Add one above to receive events as they happen.',
    endpoints: 'Endpoints', active: 'On', paused: 'Off', pause: 'Switch off', resume: 'Switch on',
    remove: 'Remove', removeTitle: 'Remove this endpoint?', removeBody: '{url} stops receiving events, and its queued messages are dropped.',
    deliveries: 'Deliveries', hide: 'Hide deliveries', noMessages: 'No event has been sent to this endpoint yet.',
    event: 'Event', status: 'Status', tries: 'Attempts', last: 'Last error', resend: 'Send again',
    queued: 'Queued again.', added: 'Endpoint added.', removed: 'Endpoint removed.',
    pending: 'Waiting', delivered: 'Delivered', failed: 'Gave up',
    attempt: '#{n} {at}: {what} ({ms} ms)',
    'advocate.joined': 'An advocate joined', 'referral.credited': 'A referral was credited',
    'reward.issued': 'A reward was issued', 'referral.reversed': 'A referral was reversed',
  },
  es: {
    intro: 'Envía los eventos del programa a tus propios sistemas (un CRM, una herramienta de correo, un almacén de datos). Cada petición va firmada: comprueba la cabecera X-Referral-Signature con el secreto del destino.',
    add: 'Añadir un destino', url: 'URL HTTPS', urlHint: 'Debe ser accesible desde internet; se rechazan las direcciones privadas y locales.',
    description: 'Descripción (opcional)', events: 'Eventos', save: 'Añadir destino',
    secretTitle: 'Copia ahora el secreto de firma', secretBody: 'Solo se muestra esta vez. Guárdalo en el sistema que recibe: demuestra que la petición viene de nosotros.',
    none: 'Aún no hay destinos.', noneNext: 'Añade uno arriba para recibir los eventos en cuanto ocurren.',
    endpoints: 'Destinos', active: 'Activo', paused: 'Pausado', pause: 'Pausar', resume: 'Activar',
    remove: 'Eliminar', removeTitle: '¿Eliminar este destino?', removeBody: '{url} dejará de recibir eventos y se descartan sus mensajes pendientes.',
    deliveries: 'Envíos', hide: 'Ocultar envíos', noMessages: 'Aún no se ha enviado ningún evento a este destino.',
    event: 'Evento', status: 'Estado', tries: 'Intentos', last: 'Último error', resend: 'Enviar de nuevo',
    queued: 'En cola de nuevo.', added: 'Destino añadido.', removed: 'Destino eliminado.',
    pending: 'En espera', delivered: 'Entregado', failed: 'Abandonado',
    attempt: 'n.º {n} {at}: {what} ({ms} ms)',
    'advocate.joined': 'Se unió un embajador', 'referral.credited': 'Se acreditó un referido',
    'reward.issued': 'Se emitió una recompensa', 'referral.reversed': 'Se revirtió un referido',
  },
});

function attemptLine(a) {
  const what = a.status_code ? `HTTP ${a.status_code}` : (a.error || '');
  return h('li', {}, w('attempt', { n: a.number, at: when(a.at), what, ms: number(a.duration_ms) }));
}

async function deliveries(ctx, endpoint, box) {
  const data = await ctx.api('GET', `/webhooks/${endpoint.id}/messages`);
  if (!data.messages.length) { box.replaceChildren(h('p', { class: 'hint' }, w('noMessages'))); return; }
  box.replaceChildren(table(w('deliveries'), [w('event'), w('status'), w('tries'), w('last'), ''],
    data.messages.map((m) => {
      const again = m.status === 'delivered' ? '' : button(w('resend'), () => busy(again, async () => {
        await ctx.api('POST', `/webhook-messages/${m.id}/resend`);
        ctx.toast(w('queued'));
        await deliveries(ctx, endpoint, box);
      }, (e) => box.prepend(ctx.errorBox(e))));
      return h('tr', { 'data-message': m.id },
        h('td', {}, w(m.event), h('br'), h('code', {}, m.event_id)),
        h('td', {}, h('span', { class: m.status === 'delivered' ? 'badge good' : m.status === 'failed' ? 'badge bad' : 'badge' }, w(m.status))),
        h('td', {}, h('ul', { class: 'lines' }, m.attempts.map(attemptLine))),
        h('td', {}, m.last_error || '—'),
        h('td', {}, again));
    })));
}

function endpointCard(ctx, endpoint, reload) {
  const box = h('div', { 'aria-live': 'polite' });
  let open = false;
  const show = button(w('deliveries'), () => busy(show, async () => {
    open = !open;
    show.textContent = open ? w('hide') : w('deliveries');
    if (open) await deliveries(ctx, endpoint, box); else box.replaceChildren();
  }, (e) => box.replaceChildren(ctx.errorBox(e))));
  const toggle = button(endpoint.active ? w('pause') : w('resume'), () => busy(toggle, async () => {
    await ctx.api('PUT', `/webhooks/${endpoint.id}`, { active: !endpoint.active });
    await reload();
  }, (e) => box.replaceChildren(ctx.errorBox(e))));
  const remove = button(w('remove'), async () => {
    const sure = await ctx.confirmAction({ title: w('removeTitle'), body: w('removeBody', { url: endpoint.url }), confirm: w('remove'), danger: true });
    if (!sure) return;
    await busy(remove, async () => {
      await ctx.api('DELETE', `/webhooks/${endpoint.id}`);
      ctx.toast(w('removed'));
      await reload();
    }, (e) => box.replaceChildren(ctx.errorBox(e)));
  }, { danger: true });
  return h('section', { class: 'card', 'data-endpoint': endpoint.id },
    h('p', {}, h('code', {}, endpoint.url), ' ',
      h('span', { class: endpoint.active ? 'badge good' : 'badge' }, endpoint.active ? w('active') : w('paused'))),
    endpoint.description ? h('p', { class: 'hint' }, endpoint.description) : null,
    h('p', { class: 'hint' }, endpoint.events.map((e) => w(e)).join(' · ')),
    h('div', { class: 'row' }, show, toggle, remove), box);
}

export default {
  async render(root, ctx) {
    const list = h('div', { 'aria-live': 'polite' });
    const notice = h('div', {});
    let known = [];

    async function reload() {
      const data = await ctx.api('GET', '/webhooks');
      known = data.events;
      list.replaceChildren(...(data.endpoints.length
        ? data.endpoints.map((e) => endpointCard(ctx, e, reload))
        : [h('section', { class: 'card' }, empty(w('none'), w('noneNext')))]));
    }
    await reload();

    const url = h('input', { type: 'url', id: 'wh-url', placeholder: 'https://', autocomplete: 'off' });
    const description = h('input', { type: 'text', id: 'wh-description', maxlength: '255' });
    const boxes = known.map((event) => h('label', { class: 'check' },
      h('input', { type: 'checkbox', value: event, checked: true, name: 'wh-event' }), ' ', w(event)));
    const events = h('fieldset', {}, h('legend', {}, w('events')), ...boxes);
    const save = button(w('save'), () => busy(save, async () => {
      setFieldError(url, '');
      const chosen = [...events.querySelectorAll('input:checked')].map((i) => i.value);
      const made = await ctx.api('POST', '/webhooks', { url: url.value.trim(), events: chosen, description: description.value.trim() || null });
      notice.replaceChildren(h('div', { class: 'notice notice-warn', role: 'status' },
        h('p', {}, h('strong', {}, w('secretTitle'))), h('p', {}, w('secretBody')),
        h('p', {}, h('code', { class: 'secret' }, made.secret))));
      url.value = ''; description.value = '';
      ctx.toast(w('added'));
      await reload();
    }, (e) => {
      const bad = e.fields || [];
      const onUrl = bad.find((f) => f.path === 'url');
      if (onUrl) setFieldError(url, onUrl.message); else notice.replaceChildren(ctx.errorBox(e));
    }), { primary: true });
    const form = h('form', { class: 'card', onsubmit: (e) => { e.preventDefault(); save.click(); } },
      h('h2', {}, w('add')),
      field(w('url'), url, { hint: w('urlHint'), wide: true }),
      field(w('description'), description, { wide: true }),
      events, save);
    root.append(h('p', { class: 'hint' }, w('intro')), form, notice,
      h('h2', {}, w('endpoints')), list);
  },
};
