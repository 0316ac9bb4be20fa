// A jest reporter that keeps each project's (tier's) coverage apart: jest merges every test file's coverage
// into one map, the product figure; this one also merges them per project (`unit`, `e2e`), so that
// ./tier-summary.js can say what each tier alone covers of the same files. Plain JavaScript: jest loads
// reporters without transforming them.
const libCoverage = require('istanbul-lib-coverage');
const libSourceMaps = require('istanbul-lib-source-maps');

/** Project display name → its coverage, mapped back to the TypeScript sources (filled by onRunComplete). */
const tiers = new Map();

class CoverageTierReporter {
  constructor(globalConfig) {
    this.enabled = Boolean(globalConfig.collectCoverage);
    this.raw = new Map();
  }

  onTestResult(test, testResult) {
    if (!this.enabled || !testResult.coverage) return;
    const name = test.context.config.displayName?.name ?? 'tests';
    let map = this.raw.get(name);
    if (!map) this.raw.set(name, (map = libCoverage.createCoverageMap({})));
    // A copy: jest's own coverage map merges into the very objects of the first result it sees, which would
    // add the other tier's hits to this one.
    map.merge(JSON.parse(JSON.stringify(testResult.coverage)));
  }

  // Runs before jest's coverage reporter (custom reporters come first), which then calls tier-summary.js.
  async onRunComplete() {
    tiers.clear();
    for (const [name, map] of this.raw) tiers.set(name, await libSourceMaps.createSourceMapStore().transformCoverage(map));
  }
}

module.exports = CoverageTierReporter;
module.exports.tiers = tiers;
