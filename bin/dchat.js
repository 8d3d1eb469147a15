#!/usr/bin/env node
// Entry point of the `dchat` command. dchat is written in TypeScript and runs on Node's built-in
// type stripping, which needs Node.js 22.18 or newer; say so plainly on anything older.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(
    `dchat: Node.js 22.18 or newer is required, this is ${process.version}.\n` +
      'Run it through npm (npm start / npx dchat), which uses the Node 24 installed with the project.\n',
  );
  process.exit(1);
}
const { nameProcess } = await import('../node-core/cli/process-name.ts');
nameProcess();
const { main } = await import('../node-core/cli/main.ts');
const code = await main(process.argv.slice(2));
process.exit(code);
