// Before `npm start`: build the web UI if it is missing or older than its sources, so the
// headless node can serve it at /. Quick when nothing changed.
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const built = 'dist/renderer/index.html';
const newest = (dir) =>
  fs.readdirSync(dir, { withFileTypes: true }).reduce((latest, entry) => {
    const full = path.join(dir, entry.name);
    return Math.max(latest, entry.isDirectory() ? newest(full) : fs.statSync(full).mtimeMs);
  }, 0);
if (!fs.existsSync(built) || fs.statSync(built).mtimeMs < newest('renderer')) {
  console.log('building the web UI (npm run build:ui)…');
  execSync('npm run build:ui', { stdio: 'inherit' });
}
