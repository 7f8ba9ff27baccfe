/**
 * Static checks of the deploy files (no image can be built here): the compose file
 * parses, mounts the data folder at the same path inside and out, gives Parley the
 * Docker socket and checks /healthz; the Dockerfile runs the built CLI on 0.0.0.0.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';

describe('deploy files', () => {
  it('docker-compose.yml runs Parley with data, the Docker socket and a /healthz check', () => {
    const compose = YAML.parse(readFileSync('docker-compose.yml', 'utf8')) as {
      services: Record<
        string,
        { volumes: string[]; environment: Record<string, string>; healthcheck: { test: string[] } }
      >;
    };
    const parley = compose.services.parley!;
    expect(parley.volumes).toContain('/var/run/docker.sock:/var/run/docker.sock');
    const data = parley.volumes.find((v) => v.startsWith('${PARLEY_DATA'))!;
    const [host, inside] = data.split(/:(?=\$)/);
    expect(host).toBe(inside);
    expect(parley.environment.PARLEY_DATA_DIR).toBe(host);
    expect(parley.environment.PARLEY_WEB_HOST).toBe('0.0.0.0');
    expect(parley.healthcheck.test.join(' ')).toContain('/healthz');
  });

  it('Dockerfile builds in stages and starts the compiled CLI on 0.0.0.0', () => {
    const dockerfile = readFileSync('Dockerfile', 'utf8');
    expect(dockerfile.match(/^FROM /gm)).toHaveLength(2);
    expect(dockerfile).toContain('npm ci');
    expect(dockerfile).toContain('PARLEY_WEB_HOST=0.0.0.0');
    expect(dockerfile).toContain('CMD ["node", "dist/cli/parley.js", "start"]');
    expect(readFileSync('.dockerignore', 'utf8')).toMatch(/^node_modules$/m);
  });
});
