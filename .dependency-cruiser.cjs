/**
 * The import rule of `npm run lint`: src/ is a house of floors, and every import points down.
 * A folder may import from its own folder and from the floors below it; folders on the same floor
 * never import each other (so serve/ and browser/ stay apart). The README's folder table lists the
 * same floors. Test files follow the rule too.
 */
const FLOORS = [
  ['errors.ts'], // the ground floors: errors, onnxruntime + RNG, shared types and the safetensors codec
  ['compute'],
  ['core'],
  ['linalg', 'objectives', 'optim'],
  ['data', 'heads'],
  ['hub', 'featurize'],
  ['store', 'fit', 'train'],
  ['model'],
  ['eval'],
  ['report', 'pipeline', 'demo'],
  ['serve', 'browser'],
  ['cli'],
  ['index.ts'],
]

const path = (names) => `^src/(${names.map((n) => n.replace('.', '\\.')).join('|')})(/|$)`

const forbidden = FLOORS.flatMap((floor, i) =>
  floor.map((name) => {
    const above = FLOORS.slice(i + 1).flat()
    const peers = floor.filter((n) => n !== name)
    return {
      name: `floor-${name.replace('.ts', '')}`,
      comment: `src/${name} is on floor ${i}: it may import only from itself and floors 0..${i - 1}`,
      severity: 'error',
      from: { path: path([name]) },
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
