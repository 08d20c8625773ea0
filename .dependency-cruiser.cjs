/**
 * The import rule of `npm run lint`: src/ is a house of floors, and every import points down.
 * A folder may import from its own folder and from the floors below it; folders on the same floor
 * never import each other (so serve/ and browser/ stay apart). The README's folder table lists the
 * same floors, numbered from 0. Tests (*.test.ts) may also import upward: an end-to-end test drives
 * the layers above the code it checks.
 */
const FLOORS = [
  ['escape-control.ts', 'stale-temps.ts', 'kill-point.ts'], // the ground floors: safe quoting, errors, onnxruntime + RNG, shared types, safetensors
  ['errors.ts'],
  ['compute', 'net'],
  ['core'],
  ['linalg', 'objectives', 'optim'],
  ['data', 'heads'],
  ['hub', 'featurize'],
  ['store', 'fit', 'train'],
  ['model', 'distributed'],
  ['eval'],
  ['report', 'pipeline', 'demo'],
  ['serve', 'browser'],
  ['cli'],
  ['index.ts'],
]

// A folder, or a top-level file with its test ('errors.ts' also matches errors.test.ts).
const one = (n) => (n.endsWith('.ts') ? `${n.slice(0, -3)}(\\.test)?\\.ts$` : `${n}/`)
const path = (names) => `^src/(${names.map(one).join('|')})`

const forbidden = FLOORS.flatMap((floor, i) =>
  floor.flatMap((name) => {
    const above = FLOORS.slice(i + 1).flat()
    const peers = floor.filter((n) => n !== name)
    if (above.length + peers.length === 0) return []
    return {
      name: `floor-${name.replace('.ts', '')}`,
      comment: `src/${name} is on floor ${i}: it may import only from itself and floors 0..${i - 1}`,
      severity: 'error',
      from: { path: path([name]), pathNot: '\\.test\\.ts$' },
      to: { path: path([...above, ...peers]) },
    }
  }),
)

module.exports = {
  forbidden: [
    ...forbidden,
    {
      name: 'no-circular',
      comment: 'Import cycles make the floor order meaningless',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'floors-known',
      comment: 'A new top-level folder under src/ must be given a floor in .dependency-cruiser.cjs',
      severity: 'error',
      from: { path: '^src/', pathNot: path(FLOORS.flat()) },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^src/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.check.json' },
    moduleSystems: ['es6'],
  },
}
