/** `npm run release:verify -- answer.json [--public-key key.pem]`: see release-verify.ts. */
import { runVerify } from './release-verify.js';

const { exitCode, lines } = runVerify(process.argv.slice(2));
(exitCode === 0 ? process.stdout : process.stderr).write(lines.join('\n') + '\n');
process.exitCode = exitCode;
