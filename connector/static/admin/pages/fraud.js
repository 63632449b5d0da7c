// Fraud: the shop's blocklist. Emails, email domains, customer ids, IP addresses and postal
// addresses whose referrals the blocklist check refuses (or holds, as the program says).
import { words, when } from '../i18n.js';
import { h, field, setFieldError, button, busy, empty, table } from '../dom.js';

const KINDS = ['email', 'domain', 'customer', 'ip', 'address'];
const w = words({
  en: {
    intro: 'Referrals whose friend or advocate matches an entry are refused (or held for review: see the Program page’s fraud checks). Each refusal says which entry matched.',
    add: 'Add to the blocklist', kind: 'What', value: 'Value', note: 'Note (optional)', list: 'Add',
    email: 'Email', domain: 'Email domain', customer: 'Customer id', ip: 'IP address', address: 'Address',
    hint_email: 'Any case; +tags and dots are ignored as the checks ignore them.', hint_domain: 'Such as mailinator.com.',
    hint_customer: 'The store’s customer id.', hint_ip: 'IPv4 or IPv6. Only a hash of it is compared.',
    hint_address: 'The street, a comma, then the postcode: “9 Elm Road, 54321”.',
    entries: 'Blocklist', none: 'The blocklist is empty.', noneNext: 'Add an email, domain, customer, IP or address above.',
    added: 'Added to the blocklist.', already: 'Already on the blocklist.', by: 'Added by', remove: 'Remove',
    removeTitle: 'Remove {value} from the blocklist?', removeBody: 'Referrals that match it will no longer be refused.', removed: 'Removed.',
  },
  es: {
    intro: 'Los referidos cuyo amigo o embajador coincide con una entrada se rechazan (o se retienen para revisión: mira los controles de fraude en la página Programa). Cada rechazo dice qué entrada coincidió.',
    add: 'Añadir a la lista de bloqueo', kind: 'Qué', value: 'Valor', note: 'Nota (opcional)', list: 'Añadir',
    email: 'Correo', domain: 'Dominio de correo', customer: 'Id de cliente', ip: 'Dirección IP', address: 'Dirección',
    hint_email: 'Mayúsculas, +etiquetas y puntos se ignoran, como en los controles.', hint_domain: 'Por ejemplo mailinator.com.',
    hint_customer: 'El id de cliente de la tienda.', hint_ip: 'IPv4 o IPv6. Solo se compara un hash.',
    hint_address: 'La calle, una coma y el código postal: «Calle Mayor 12, 28013».',
    entries: 'Lista de bloqueo', none: 'La lista de bloqueo está vacía.', noneNext: 'Añade arriba un correo, dominio, cliente, IP o dirección.',
    added: 'Añadido a la lista de bloqueo.', already: 'Ya estaba en la lista de bloqueo.', by: 'Añadido por', remove: 'Quitar',
    removeTitle: '¿Quitar {value} de la lista de bloqueo?', removeBody: 'Los referidos que coincidan dejarán de rechazarse.', removed: 'Quitado.',
  },
});

export default {
  async render(root, ctx) {
    const kind = h('select', { id: 'block-kind' }, KINDS.map((k) => h('option', { value: k }, w(k))));
    const value = h('input', { id: 'block-value', type: 'text', autocomplete: 'off', required: true });
    const note = h('input', { id: 'block-note', type: 'text', autocomplete: 'off' });
    const valueField = field(w('value'), value, { hint: w('hint_email') });
    kind.addEventListener('change', () => { valueField.querySelector('.hint').textContent = w(`hint_${kind.value}`); });
    const add = button(w('list'), null, { type: 'submit', primary: true });
    const out = h('div', {});
    const list = h('div', { 'aria-live': 'polite' });

    async function load() {
      const { entries } = await ctx.api('GET', '/blocklist');
      if (!entries.length) { list.replaceChildren(empty(w('none'), w('noneNext'))); return; }
      list.replaceChildren(table(w('entries'), [w('kind'), w('value'), w('note'), w('by'), w('common.actions')],
        entries.map((e) => {
          const cell = h('td', {});
          const remove = button(w('remove'), async () => {
            const sure = await ctx.confirmAction({ title: w('removeTitle', { value: e.label }), body: w('removeBody'), confirm: w('remove'), danger: true });
            if (!sure) return;
            const done = await busy(remove, () => ctx.api('DELETE', `/blocklist/${e.id}`), (err) => cell.append(ctx.errorBox(err)));
            if (!done) return;
            ctx.toast(w('removed'));
            await load();
          }, { 'aria-label': `${w('remove')} ${e.label}` });
          cell.append(remove);
          return h('tr', {}, h('td', {}, w(e.kind)), h('td', {}, e.label), h('td', {}, e.note || '—'),
            h('td', {}, `${e.created_by || '—'} · ${when(e.created_at)}`), cell);
        })));
    }

    const form = h('form', { novalidate: true, class: 'card' }, h('h2', {}, w('add')),
      h('div', { class: 'fields' }, field(w('kind'), kind), valueField, field(w('note'), note)), out,
      h('div', { class: 'actions' }, add));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      out.replaceChildren();
      setFieldError(value, '');
      const body = { kind: kind.value, value: value.value.trim(), ...(note.value.trim() ? { note: note.value.trim() } : {}) };
      const done = await busy(add, () => ctx.api('POST', '/blocklist', body), (e) => {
        const bad = (e.fields || []).find((f) => f.path === 'value');
        if (bad) setFieldError(value, bad.message); else out.replaceChildren(ctx.errorBox(e));
      });
      if (!done) return;
      ctx.toast(done.created ? w('added') : w('already'));
      value.value = ''; note.value = '';
      await load();
    });
    root.append(h('p', {}, w('intro')), form, h('section', { class: 'card' }, list));
    await load();
  },
};
