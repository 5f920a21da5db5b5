import { ESLint } from 'eslint';
import { join } from 'node:path';

/**
 * The import boundaries of eslint.config.js, each shown to hold by a planted violation: lint of a file
 * placed in the zone must report the boundary rule (and the same import from an allowed place must not).
 * Type-aware rules are switched off here so that the planted files need not exist on disk.
 */
const ROOT = join(import.meta.dirname, '..');
const eslint = new ESLint({
  cwd: ROOT,
  overrideConfig: {
    languageOptions: { parserOptions: { projectService: false } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'off',
      '@typescript-eslint/no-misused-promises': 'off',
      '@typescript-eslint/await-thenable': 'off',
    },
  },
});

async function violations(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, file) });
  return result.messages.map((m) => m.ruleId ?? m.message);
}

const PLANTED: [zone: string, file: string, code: string, rule: string][] = [
  [
    'common/ imports no feature',
    'src/common/planted.ts',
    "import '../cases/case.entity.js';",
    'import-x/no-restricted-paths',
  ],
  [
    'config/ imports no feature',
    'src/config/planted.ts',
    "import '../audit/audit.service.js';",
    'import-x/no-restricted-paths',
  ],
  [
    'database/ imports no feature',
    'src/database/planted.ts',
    "import '../users/user.entity.js';",
    'import-x/no-restricted-paths',
  ],
  [
    'ctdc/ imports no feature',
    'src/ctdc/planted.ts',
    "import '../cases/case-view.js';",
    'import-x/no-restricted-paths',
  ],
  [
    'policy/ imports no feature',
    'src/policy/planted.ts',
    "import '../auth/access.guard.js';",
    'import-x/no-restricted-paths',
  ],
  [
    'disclosure/ imports no feature',
    'src/disclosure/planted.ts',
    "import '../aggregates/aggregates.service.js';",
    'import-x/no-restricted-paths',
  ],
  [
    'crypto/ imports no config',
    'src/crypto/planted.ts',
    "import '../config/app-config.js';",
    'import-x/no-restricted-paths',
  ],
  [
    'aggregates/ never imports cases/',
    'src/aggregates/planted.ts',
    "import '../cases/case-view.js';",
    'import-x/no-restricted-paths',
  ],
  [
    'cases/ never imports aggregates/',
    'src/cases/planted.ts',
    "import '../aggregates/dimensions.js';",
    'import-x/no-restricted-paths',
  ],
  [
    'users/ never imports cases/',
    'src/users/planted.ts',
    "import '../cases/case-view.js';",
    'import-x/no-restricted-paths',
  ],
  [
    'disclosure/ may not import node:crypto',
    'src/disclosure/planted.ts',
    "import 'node:crypto';",
    'no-restricted-imports',
  ],
  [
    'policy/ may not import a framework',
    'src/policy/planted.ts',
    "import '@nestjs/common';",
    'no-restricted-imports',
  ],
  [
    'crypto/ may not import a framework',
    'src/crypto/planted.ts',
    "import 'typeorm';",
    'no-restricted-imports',
  ],
  [
    "a DTO uses IsOneOf, not class-validator's IsIn",
    'src/cases/dto/planted.ts',
    "import { IsIn } from 'class-validator';",
    'no-restricted-imports',
  ],
  [
    'a feature may not import node:crypto',
    'src/cases/planted.ts',
    "import 'node:crypto';",
    'no-restricted-imports',
  ],
];

describe('import boundaries are enforced by lint (planted violations)', () => {
  it.each(PLANTED)(
    '%s',
    async (_zone, file, code, rule) => {
      expect(await violations(file, `${code}\n`)).toContain(rule);
    },
    60_000,
  );

  it.each([
    ['a feature may import ctdc/', 'src/aggregates/planted.ts', "import '../ctdc/index.js';"],
    ['crypto/ may import node:crypto', 'src/crypto/planted.ts', "import 'node:crypto';"],
    ['ctdc/ may import common/', 'src/ctdc/planted.ts', "import '../common/iso-date.js';"],
  ])(
    'allowed: %s',
    async (_what, file, code) => {
      const found = await violations(file, `${code}\n`);
      expect(
        found.filter((rule) => rule.startsWith('import-x/no-restricted') || rule === 'no-restricted-imports'),
      ).toEqual([]);
    },
    60_000,
  );
});
