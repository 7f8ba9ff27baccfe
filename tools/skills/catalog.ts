/**
 * The skills Parley currently knows: loaded from `skills.dir` at start and again
 * whenever something in the folder changes (fs.watch, recursive, debounced by
 * `skills.reloadDebounceMs`), so an owner adds, edits or removes a skill without a
 * restart. A reload that fails keeps the previous list. Problems (a SKILL.md without
 * a description, a symlinked folder) are logged once per reload.
 *
 * @example
 * ```ts
 * const catalog = new SkillCatalog(config.skills.dir, config.skills, log)
 * await catalog.load()
 * onStop(catalog.watch())
 * catalog.get('weather')?.instructions
 * ```
 */
import { type FSWatcher, mkdirSync, watch } from 'node:fs';
import type { Logger } from 'pino';
import type { SkillsConfig } from './config.js';
import { loadSkills, type Skill } from './load.js';

export class SkillCatalog {
  private current: Skill[] = [];
  private problemList: string[] = [];
  private loads = 0;
  private reloading: Promise<void> = Promise.resolve();

  constructor(
    readonly root: string,
    private readonly config: Pick<SkillsConfig, 'maxSkillBytes' | 'reloadDebounceMs'>,
    private readonly log: Logger,
  ) {}

  get skills(): readonly Skill[] {
    return this.current;
  }

  get problems(): readonly string[] {
    return this.problemList;
  }

  /** Completed loads so far (tests wait for a reload with it). */
  get generation(): number {
    return this.loads;
  }

  get(name: string): Skill | undefined {
    return this.current.find((skill) => skill.name === name);
  }

  /** (Re)reads the folder, creating it when missing; serialized. */
  load(): Promise<void> {
    this.reloading = this.reloading.then(() => this.read());
    return this.reloading;
  }

  /** Reloads on every change below the folder; returns the function that stops watching. */
  watch(): () => void {
    let timer: NodeJS.Timeout | undefined;
    let watcher: FSWatcher | undefined;
    try {
      watcher = watch(this.root, { recursive: true, persistent: false }, () => {
        clearTimeout(timer);
        timer = setTimeout(() => void this.load(), this.config.reloadDebounceMs);
      });
      watcher.on('error', (error) => this.log.warn({ err: error }, 'skills folder watch failed'));
    } catch (error) {
      this.log.warn(
        { err: error, dir: this.root },
        'cannot watch the skills folder; no hot reload',
      );
    }
    return () => {
      clearTimeout(timer);
      watcher?.close();
    };
  }

  private async read(): Promise<void> {
    try {
      mkdirSync(this.root, { recursive: true });
      const { skills, problems } = await loadSkills(this.root, this.config.maxSkillBytes);
      this.current = skills;
      this.problemList = problems;
      for (const problem of problems)
        this.log.warn({ dir: this.root }, `skill skipped: ${problem}`);
      this.log.info({ skills: skills.map((s) => s.name) }, 'skills loaded');
    } catch (error) {
      this.log.warn(
        { err: error, dir: this.root },
        'skills folder could not be read; kept the previous list',
      );
    } finally {
      this.loads++;
    }
  }
}
