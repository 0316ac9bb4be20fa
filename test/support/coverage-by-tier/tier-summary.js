// An istanbul report (listed in jest's coverageReporters) that prints, under the product figure, the line
// coverage each tier gives alone, over exactly the files of that figure (files a tier never loaded count as
// uncovered), and writes it to coverage/coverage-tiers.json.
const { writeFileSync, mkdirSync } = require('node:fs');
const { join } = require('node:path');
const libCoverage = require('istanbul-lib-coverage');
const { tiers } = require('./tier-reporter');

class CoverageTierSummary {
  execute(context) {
    const files = [];
    context.getTree('flat').visit({ onDetail: (node) => files.push(node.getFileCoverage()) });
    if (tiers.size === 0 || files.length === 0) return;
    const figures = {};
    for (const [name, map] of [...tiers].sort(([a], [b]) => a.localeCompare(b))) {
      const summary = libCoverage.createCoverageSummary();
      const loaded = new Set(map.files());
      for (const file of files) {
        let covered = loaded.has(file.path) ? map.fileCoverageFor(file.path) : undefined;
        if (!covered) {
          covered = libCoverage.createFileCoverage(JSON.parse(JSON.stringify(file.toJSON())));
          covered.resetHits();
        }
        summary.merge(covered.toSummary());
      }
      figures[name] = summary.lines;
    }
    const width = Math.max(...Object.keys(figures).map((name) => name.length));
    const lines = Object.entries(figures).map(
      ([name, lines]) => `${`${name} tests alone`.padEnd(width + 12)}: ${String(lines.pct).padStart(6)}% ( ${lines.covered}/${lines.total} )`,
    );
    process.stdout.write(`\n=============================== Lines by tier ================================\n${lines.join('\n')}\n`);
    process.stdout.write('(the figure above is all tiers together; each line here is one tier alone, over the same files)\n');
    process.stdout.write('================================================================================\n');
    mkdirSync(context.dir, { recursive: true });
    writeFileSync(join(context.dir, 'coverage-tiers.json'), `${JSON.stringify(figures, null, 2)}\n`);
  }
}

module.exports = CoverageTierSummary;
