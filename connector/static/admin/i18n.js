// The pages' two languages (English and Spanish) and how numbers, money and dates are written.
// Shared words are here; each page keeps its own next to the code that uses them (`words`).

let current = 'en';
const LANGS = ['en', 'es'];

const COMMON = {
  en: {
    'nav.label': 'Referral program', 'nav.language': 'Language',
    'nav.overview': 'Overview', 'nav.dashboard': 'Dashboard', 'nav.start': 'Get started', 'nav.program': 'Program',
    'nav.loyalty': 'Loyalty',
    'nav.advocates': 'Advocates', 'nav.referrals': 'Referrals', 'nav.payouts': 'Payouts',
    'nav.contests': 'Contests', 'nav.deliveries': 'Deliveries', 'nav.webhooks': 'Webhooks', 'nav.settings': 'Settings',
    'nav.fraud': 'Blocklist',
    'nav.notifications': 'Notifications',
    'common.loading': 'Loading…', 'common.save': 'Save', 'common.discard': 'Discard',
    'common.cancel': 'Cancel', 'common.unsaved': 'Unsaved changes', 'common.saved': 'Saved',
    'common.leaveTitle': 'Leave without saving?',
    'common.leaveBody': 'Your changes on this page have not been saved and will be lost.',
    'common.leave': 'Leave and discard', 'common.more': 'Load more', 'common.search': 'Search',
    'common.none': '—', 'common.yes': 'Yes', 'common.no': 'No', 'common.close': 'Close',
    'common.back': 'Back to the list', 'common.filter': 'Apply filters', 'common.all': 'All',
    'common.from': 'From', 'common.to': 'To', 'common.state': 'State', 'common.date': 'Date',
    'common.note': 'Note (optional)', 'common.reason': 'Reason', 'common.actions': 'Actions',
    'common.view': 'View',
    'error.network': 'The connector could not be reached. Check your connection and try again.',
    'error.session': 'Your session has expired. Reload the page to continue.',
    'error.forbidden': 'This store cannot open the referral program here. Reinstall or reconnect the app.',
    'error.notFound': 'That record no longer exists.',
    'error.conflict': 'That cannot be done now.',
    'error.invalid': 'Some details need fixing.',
    'error.unavailable': 'The connector is not set up for this store yet.',
    'error.server': 'Something went wrong on our side. Try again in a minute.',
    'error.script': 'This page could not be shown. Reload the page; if it happens again, contact support.',
    'error.reload': 'Reload the page',
  },
  es: {
    'nav.label': 'Programa de referidos', 'nav.language': 'Idioma',
    'nav.overview': 'Resumen', 'nav.dashboard': 'Panel de resultados', 'nav.start': 'Primeros pasos', 'nav.program': 'Programa',
    'nav.loyalty': 'Fidelidad',
    'nav.advocates': 'Embajadores', 'nav.referrals': 'Referidos', 'nav.payouts': 'Pagos',
    'nav.contests': 'Concursos', 'nav.deliveries': 'Entregas', 'nav.webhooks': 'Webhooks', 'nav.settings': 'Ajustes',
    'nav.fraud': 'Lista de bloqueo',
    'nav.notifications': 'Notificaciones',
    'common.loading': 'Cargando…', 'common.save': 'Guardar', 'common.discard': 'Descartar',
    'common.cancel': 'Cancelar', 'common.unsaved': 'Cambios sin guardar', 'common.saved': 'Guardado',
    'common.leaveTitle': '¿Salir sin guardar?',
    'common.leaveBody': 'Los cambios de esta página no se han guardado y se perderán.',
    'common.leave': 'Salir y descartar', 'common.more': 'Cargar más', 'common.search': 'Buscar',
    'common.none': '—', 'common.yes': 'Sí', 'common.no': 'No', 'common.close': 'Cerrar',
    'common.back': 'Volver a la lista', 'common.filter': 'Aplicar filtros', 'common.all': 'Todos',
    'common.from': 'Desde', 'common.to': 'Hasta', 'common.state': 'Estado', 'common.date': 'Fecha',
    'common.note': 'Nota (opcional)', 'common.reason': 'Motivo', 'common.actions': 'Acciones',
    'common.view': 'Ver',
    'error.network': 'No se pudo contactar con el conector. Revisa tu conexión y vuelve a intentarlo.',
    'error.session': 'Tu sesión ha caducado. Recarga la página para continuar.',
    'error.forbidden': 'Esta tienda no puede abrir el programa de referidos aquí. Reinstala o vuelve a conectar la aplicación.',
    'error.notFound': 'Ese registro ya no existe.',
    'error.conflict': 'Eso no se puede hacer ahora.',
    'error.invalid': 'Hay datos que corregir.',
    'error.unavailable': 'El conector aún no está configurado para esta tienda.',
    'error.server': 'Algo ha fallado por nuestra parte. Vuelve a intentarlo en un minuto.',
    'error.script': 'No se pudo mostrar esta página. Recárgala; si vuelve a pasar, contacta con soporte.',
    'error.reload': 'Recargar la página',
  },
};

export function setLocale(locale) {
  const language = String(locale || '').replace('_', '-').split('-')[0].toLowerCase();
  current = LANGS.includes(language) ? language : 'en';
}

export function getLocale() {
  return current;
}

function fill(text, vars) {
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in vars ? String(vars[name]) : whole));
}

// A message with plural forms: `{one: '…', other: '…'}` chosen by the count `n`.
function pick(text, vars) {
  if (typeof text === 'string' || !vars || !('n' in vars)) return text;
  const rule = new Intl.PluralRules(tag()).select(Number(vars.n));
  return text[rule] ?? text.other;
}

export function t(key, vars) {
  const text = COMMON[current][key] ?? COMMON.en[key] ?? key;
  return fill(text, vars);
}

// A page's own words: `const w = words({en: {...}, es: {...}})`, then `w('key', {vars})`.
export function words(dict) {
  return (key, vars) => {
    const text = (dict[current] && dict[current][key]) ?? dict.en[key];
    return text === undefined ? t(key, vars) : fill(pick(text, vars), vars);
  };
}

function tag() {
  return current === 'es' ? 'es-ES' : 'en-US';
}

export function money(amount, currency) {
  if (amount === null || amount === undefined || amount === '') return '—';
  const value = Number(amount);
  if (!currency) return new Intl.NumberFormat(tag()).format(value);
  try {
    return new Intl.NumberFormat(tag(), { style: 'currency', currency }).format(value);
  } catch (_) {
    return `${amount} ${currency}`;
  }
}

export function number(value) {
  return new Intl.NumberFormat(tag()).format(Number(value || 0));
}

export function when(iso) {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  return new Intl.DateTimeFormat(tag(), { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' })
    .format(date) + ' UTC';
}

export function day(iso) {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  return new Intl.DateTimeFormat(tag(), { dateStyle: 'medium', timeZone: 'UTC' }).format(date);
}

// The words for a state, a kind or a status code the API returns.
const LABELS = {
  en: {
    pending: 'Pending', flagged: 'In review', approved: 'Approved', rewarded: 'Rewarded',
    rejected: 'Rejected', reversed: 'Reversed', done: 'Processed', failed: 'Failed',
    dead: 'Gave up', processing: 'Processing', recorded: 'To pay', paid: 'Paid',
    issued: 'Issued', voided: 'Voided', owed: 'Owed back', active: 'Active', blocked: 'Blocked',
    percentage_discount: 'Percentage discount', fixed_amount_discount: 'Fixed discount',
    free_shipping: 'Free shipping', store_credit: 'Store credit', points: 'Points', cash: 'Cash',
    charity_donation: 'Charity donation', customer_tag: 'Tag in the store', gift_card: 'Gift card',
    free_product: 'Free product', advocate: 'Advocate', friend: 'Friend', both: 'Both',
    not_paid: 'The order is not paid', test_order: 'A test order', below_minimum: 'Below the minimum order',
    not_new_customer: 'The friend is not a new customer', excluded_product: 'Only excluded products',
    cap_period: 'The advocate reached the limit for the period', cap_lifetime: 'The advocate reached the lifetime limit',
    currency_mismatch: 'Another currency than the program’s', already_credited: 'This order was already credited',
    self_referral: 'The advocate bought with their own code', same_email: 'The friend has the advocate’s email',
    same_address: 'The friend ships to the advocate’s address', same_ip: 'The friend ordered from the advocate’s network',
    same_user_agent: 'The friend used the advocate’s browser', disposable_email: 'The friend used a throwaway email address',
    velocity: 'Too many referrals too fast', blocklist: 'On your blocklist', budget: 'Past the rewards budget', cancelled: 'The order was cancelled', refunded: 'The order was refunded',
    awaiting_review: 'Waiting for your review', review_approved: 'You approved it', review_rejected: 'You rejected it',
    no_attribution: 'no advocate’s link or code reached this order', no_signal: 'the order carries no link or code',
    unknown_code: 'the code belongs to no advocate', outside_window: 'the link was clicked too long ago',
    advocate_blocked: 'the advocate is blocked', not_paid_yet: 'the order is not paid yet',
  },
  es: {
    pending: 'Pendiente', flagged: 'En revisión', approved: 'Aprobado', rewarded: 'Recompensado',
    rejected: 'Rechazado', reversed: 'Revertido', done: 'Procesada', failed: 'Fallida',
    dead: 'Abandonada', processing: 'Procesando', recorded: 'Por pagar', paid: 'Pagado',
    issued: 'Emitida', voided: 'Anulada', owed: 'A devolver', active: 'Activo', blocked: 'Bloqueado',
    percentage_discount: 'Descuento porcentual', fixed_amount_discount: 'Descuento fijo',
    free_shipping: 'Envío gratis', store_credit: 'Saldo en tienda', points: 'Puntos',
    cash: 'Dinero', charity_donation: 'Donación benéfica', customer_tag: 'Etiqueta en la tienda',
    gift_card: 'Tarjeta regalo', free_product: 'Producto gratis', advocate: 'Embajador',
    friend: 'Amigo', both: 'Ambos',
    not_paid: 'El pedido no está pagado', test_order: 'Un pedido de prueba', below_minimum: 'Por debajo del pedido mínimo',
    not_new_customer: 'El amigo no es un cliente nuevo', excluded_product: 'Solo productos excluidos',
    cap_period: 'El embajador alcanzó el límite del periodo', cap_lifetime: 'El embajador alcanzó el límite total',
    currency_mismatch: 'Otra moneda distinta de la del programa', already_credited: 'Este pedido ya se contó',
    self_referral: 'El embajador compró con su propio código', same_email: 'El amigo tiene el correo del embajador',
    same_address: 'El amigo envía a la dirección del embajador', same_ip: 'El amigo compró desde la red del embajador',
    same_user_agent: 'El amigo usó el navegador del embajador', disposable_email: 'El amigo usó un correo desechable',
    velocity: 'Demasiados referidos demasiado rápido', blocklist: 'En tu lista de bloqueo', budget: 'Supera el presupuesto de recompensas', cancelled: 'El pedido se canceló', refunded: 'El pedido se reembolsó',
    awaiting_review: 'Esperando tu revisión', review_approved: 'Lo aprobaste', review_rejected: 'Lo rechazaste',
    no_attribution: 'ningún enlace ni código de un embajador llegó a este pedido', no_signal: 'el pedido no trae enlace ni código',
    unknown_code: 'el código no es de ningún embajador', outside_window: 'el enlace se pulsó hace demasiado tiempo',
    advocate_blocked: 'el embajador está bloqueado', not_paid_yet: 'el pedido aún no está pagado',
  },
};

export function label(code) {
  if (code === null || code === undefined) return '—';
  return LABELS[current][code] ?? LABELS.en[code] ?? String(code).replaceAll('_', ' ');
}
