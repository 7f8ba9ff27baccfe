/**
 * Sets up the sandboxed tools at startup: builds the DockerSandbox, removes
 * containers left behind by an earlier crash, checks Docker and the image, detects
 * run_code's languages, registers shell, run_code and the workspace file tools,
 * and starts the periodic orphan cleanup. When Docker or the image is missing,
 * shell and run_code stay registered but disabled with the reason (shown to the
 * model and logged once, naming what to install or build), and the check is
 * repeated every cleanup interval until it passes. Nothing ever falls back to
 * running on the host.
 */
import type { Logger } from 'pino';
import type { SandboxConfig } from '../../sandbox/config.js';
import { DockerSandbox } from '../../sandbox/docker-sandbox.js';
import { ensureEgressNetwork } from '../../sandbox/egress-network.js';
import { type Language, probeSandbox } from '../../sandbox/probe.js';
import type { Redactor } from '../redact.js';
import type { ToolRegistry } from '../registry.js';
import { EgressProxy } from './egress.js';
import { listFilesTool, readFileTool, writeFileTool } from './files.js';
import { runCodeTool } from './run-code.js';
import { shellTool } from './shell.js';

export interface SandboxSetup {
  config: { dataDir: string; sandbox: SandboxConfig };
  tools: ToolRegistry;
  log: Logger;
  redactor: Redactor;
  onStop: (fn: () => Promise<void> | void) => void;
}

/** Registers the sandboxed tools; returns the sandbox (undefined when disabled by config). */
export async function registerSandboxTools(
  setup: SandboxSetup,
  sandbox = new DockerSandbox(setup.config.sandbox),
): Promise<DockerSandbox | undefined> {
  const { config, tools, log, redactor } = setup;
  if (!config.sandbox.enabled) return undefined;
  const deps = { sandbox, dataDir: config.dataDir, redactor };
  const probe = await probeSandbox(sandbox);
  tools.register(shellTool(deps));
  tools.register(runCodeTool(deps, probe.ok ? probe.languages : []));
  tools.register(readFileTool(deps));
  tools.register(writeFileTool(deps));
  tools.register(listFilesTool(deps));
  if (probe.ok) await activate(setup, sandbox, probe.languages);
  else {
    const reason = `Sandbox unavailable: ${probe.reason}`;
    for (const name of DOCKER_TOOLS) tools.disable(name, reason);
    log.warn(
      { image: config.sandbox.image },
      `${reason} The shell and run_code tools are disabled.`,
    );
    setup.onStop(retryLater(setup, sandbox));
  }
  return sandbox;
}

/** Disabled while Docker or the image is missing (run_skill_script is registered by the skills). */
const DOCKER_TOOLS = ['shell', 'run_code', 'run_skill_script'];

/** Enables the Docker tools once the sandbox works, after removing left-behind containers. */
async function activate(setup: SandboxSetup, sandbox: DockerSandbox, languages: Language[]) {
  const { tools, log, config, redactor } = setup;
  const deps = { sandbox, dataDir: config.dataDir, redactor };
  tools.register(runCodeTool(deps, languages));
  for (const name of DOCKER_TOOLS) tools.enable(name);
  if (languages.length === 0)
    tools.disable(
      'run_code',
      `The sandbox image "${config.sandbox.image}" has no sh, python3 or node.`,
    );
  try {
    const removed = await sandbox.cleanup();
    if (removed) log.info({ removed }, 'removed sandbox containers left behind');
  } catch (error) {
    log.warn({ err: error }, 'sandbox orphan cleanup failed');
  }
  const stopCleanup = sandbox.startCleanup((error) =>
    log.warn({ err: error }, 'sandbox orphan cleanup failed'),
  );
  setup.onStop(async () => {
    stopCleanup();
    await sandbox.close().catch((error) => log.warn({ err: error }, 'sandbox close failed'));
  });
  if (config.sandbox.networkTools.length > 0) await openEgress(setup, sandbox);
  log.info({ image: config.sandbox.image, languages }, 'sandbox ready');
}

/**
 * Gives the `networkTools` their only way out: the internal network and the egress
 * proxy on its gateway. If that fails, their calls simply run without a network.
 */
export async function openEgress(setup: SandboxSetup, sandbox: DockerSandbox): Promise<void> {
  const { egress, networkTools } = setup.config.sandbox;
  try {
    const host = await ensureEgressNetwork(sandbox.docker, egress.network);
    const proxy = new EgressProxy({ ...egress, host, log: setup.log });
    const proxyUrl = await proxy.listen();
    sandbox.egress = { network: egress.network, proxyUrl };
    setup.onStop(() => proxy.close());
    setup.log.info(
      { tools: networkTools, network: egress.network, allowHosts: egress.allowHosts },
      'sandbox egress proxy ready',
    );
  } catch (error) {
    setup.log.warn(
      { err: error, tools: networkTools },
      'sandbox egress unavailable: the network tools run without a network',
    );
  }
}

/** Probes again every cleanup interval until Docker and the image are there; returns the stop. */
function retryLater(setup: SandboxSetup, sandbox: DockerSandbox): () => void {
  const timer = setInterval(async () => {
    const probe = await probeSandbox(sandbox).catch(() => undefined);
    if (!probe?.ok) return;
    clearInterval(timer);
    await activate(setup, sandbox, probe.languages);
  }, setup.config.sandbox.cleanupIntervalSeconds * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
