/**
 * The internal Docker network that containers of network tools join: it has no route
 * out (`Internal: true`), so the only thing a container reaches there is the host's
 * egress proxy on the network's gateway address (tools/sandbox/egress.ts).
 */
import type Docker from 'dockerode';

/** Where containers of network tools go, and the proxy they are given. */
export interface EgressRoute {
  network: string;
  proxyUrl: string;
}

/** The proxy variables a container of a network tool gets (both spellings are in use). */
export function proxyEnv(route: EgressRoute): string[] {
  return ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy'].map(
    (name) => `${name}=${route.proxyUrl}`,
  );
}

/**
 * Finds or creates the internal network `name`; returns its gateway address, where
 * the host listens. A network of that name that is not internal is refused: joining
 * it would give containers a way around the proxy.
 */
export async function ensureEgressNetwork(docker: Docker, name: string): Promise<string> {
  let info = await docker
    .getNetwork(name)
    .inspect()
    .catch((error: { statusCode?: number }) => {
      if (error.statusCode === 404) return undefined;
      throw error;
    });
  if (!info) {
    await docker.createNetwork({
      Name: name,
      Driver: 'bridge',
      Internal: true,
      Labels: { 'parley.egress': '1' },
    });
    info = await docker.getNetwork(name).inspect();
  }
  if (!info.Internal)
    throw new Error(
      `Docker network "${name}" exists but is not internal; remove it (docker network rm ${name}) or set sandbox.egress.network to another name`,
    );
  const gateway = (info.IPAM?.Config ?? [])
    .map((c: { Gateway?: string }) => c.Gateway)
    .find(Boolean);
  if (!gateway) throw new Error(`Docker network "${name}" has no gateway address`);
  return gateway;
}
