import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { type HubServer, startHubServer } from './hub-server.ts'

const BERT = new URL('../fixtures/models/tiny-bert', import.meta.url).pathname

describe('local Hub server', () => {
  let hub: HubServer
  before(async () => {
    hub = await startHubServer({
      models: { 'o/m': BERT },
      datasets: { 'o/d': BERT },
      extraRoute: (_req, res, url) => {
        if (url.pathname !== '/extra') return false
        res.end('extra')
        return true
      },
    })
  })
  after(() => hub.close())

  test('serves model and dataset files at /{repo}/resolve/{rev}/{path}', async () => {
    const want = await readFile(join(BERT, 'config.json'), 'utf8')
    assert.equal(await (await fetch(`${hub.url}/o/m/resolve/main/config.json`)).text(), want)
    assert.equal(await (await fetch(`${hub.url}/datasets/o/d/resolve/v2/config.json`)).text(), want)
    const onnx = await fetch(`${hub.url}/o/m/resolve/main/onnx/model.onnx`)
    assert.equal(Number(onnx.headers.get('content-length')), (await readFile(join(BERT, 'onnx/model.onnx'))).length)
    await onnx.arrayBuffer()
    assert.deepEqual(hub.requests.slice(0, 2), [
      'GET /o/m/resolve/main/config.json',
      'GET /datasets/o/d/resolve/v2/config.json',
    ])
  })

  test('Range requests, HEAD, 404s and path escapes', async () => {
    const want = await readFile(join(BERT, 'config.json'))
    const r = await fetch(`${hub.url}/o/m/resolve/main/config.json`, { headers: { Range: 'bytes=0-0' } })
    assert.equal(r.status, 206)
    assert.equal(r.headers.get('content-range'), `bytes 0-0/${want.length}`)
    assert.equal(await r.text(), want.subarray(0, 1).toString())
    const h = await fetch(`${hub.url}/o/m/resolve/main/config.json`, { method: 'HEAD' })
    assert.equal(Number(h.headers.get('content-length')), want.length)
    for (const p of [
      '/o/m/resolve/main/nope.json',
      '/x/y/resolve/main/config.json',
      '/o/m/resolve/main/..%2F..%2Fpackage.json',
    ]) {
      const res = await fetch(hub.url + p)
      assert.equal(res.status, 404, p)
      await res.text()
    }
    assert.equal(await (await fetch(`${hub.url}/extra`)).text(), 'extra')
  })

  test('/api lists siblings and trees', async () => {
    const info = (await (await fetch(`${hub.url}/api/models/o/m`)).json()) as {
      id: string
      siblings: { rfilename: string }[]
    }
    assert.equal(info.id, 'o/m')
    assert.deepEqual(
      info.siblings.map((s) => s.rfilename),
      ['config.json', 'onnx/model.onnx', 'tokenizer.json', 'tokenizer_config.json'],
    )
    const tree = (await (await fetch(`${hub.url}/api/datasets/o/d/tree/main/onnx`)).json()) as {
      path: string
      type: string
    }[]
    assert.deepEqual(
      tree.map((e) => [e.type, e.path]),
      [['file', 'onnx/model.onnx']],
    )
    assert.equal((await fetch(`${hub.url}/api/models/o/none`)).status, 404)
  })
})
