/**
 * The admin page's view of WhatsApp pairing: `GET /api/channels/whatsapp/qr`
 * (access token required) answers the channel's {@link PairingState} as JSON, with
 * the current QR as a PNG data URL while it waits to be scanned.
 *
 * @example
 * ```sh
 * curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8080/api/channels/whatsapp/qr
 * # {"state":"qr","qr":"2@…","qrDataUrl":"data:image/png;base64,…"}
 * ```
 */
import type { HttpRoutes } from '../../core/http.js';
import type { PairingState } from './connection.js';

export const PAIRING_ROUTE = '/api/channels/whatsapp/qr';

export function registerPairingRoute(
  http: HttpRoutes,
  channel: { pairingState(): PairingState },
): void {
  http.route('GET', PAIRING_ROUTE, () => Response.json(channel.pairingState()), { auth: true });
}
