/**
 * The principal of whoever acts through the admin console (approvals, pairing): an
 * owner by construction, like the local terminal. Its own module, so the composition
 * root can name it without loading the console.
 */
export const ADMIN_PRINCIPAL = 'admin:web';
