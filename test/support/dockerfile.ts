/**
 * Reads the project's Dockerfile the way the tests that check it need: its
 * stages, each with its base and instructions, without a Docker engine.
 */

export interface DockerStage {
  name: string | undefined;
  base: string;
  instructions: { keyword: string; args: string }[];
}

/** The stages of a Dockerfile: continuation lines joined, comments and parser directives dropped. */
export function dockerStages(text: string): DockerStage[] {
  const lines = text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const stages: DockerStage[] = [];
  for (const line of lines) {
    const [, keyword = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    if (keyword.toUpperCase() === 'FROM') {
      const [base = '', as, name] = args.replace(/--\S+\s+/g, '').split(/\s+/);
      stages.push({ name: as?.toUpperCase() === 'AS' ? name : undefined, base, instructions: [] });
    } else {
      stages.at(-1)?.instructions.push({ keyword: keyword.toUpperCase(), args });
    }
  }
  return stages;
}

/** The arguments of every `keyword` instruction of the stage named `target`. */
export function stageArgs(stages: DockerStage[], target: string, keyword: string): string[] {
  return (
    stages
      .find((s) => s.name === target)
      ?.instructions.filter((i) => i.keyword === keyword)
      .map((i) => i.args) ?? []
  );
}
