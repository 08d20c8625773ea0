import assert from 'node:assert/strict'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { HUB_DEFAULTS, hubOptionsFromEnv, resolveHubOptions } from './options.ts'

test('defaults come from HUB_DEFAULTS and the endpoint loses trailing slashes', () => {
  const r = resolveHubOptions()
  assert.deepEqual(r, HUB_DEFAULTS)
  assert.equal(r.cacheDir, join(homedir(), '.cache', 'rewardfit'))
  assert.equal(resolveHubOptions({ endpoint: 'https://hf-mirror.com/' }).endpoint, 'https://hf-mirror.com')
  assert.equal(resolveHubOptions({ token: '' }).token, null)
})

test('bad options name the option and the fix', () => {
  assert.throws(() => resolveHubOptions({ endpoint: 'hf-mirror.com' }), /invalid endpoint.*HF_ENDPOINT/)
  assert.throws(() => resolveHubOptions({ retries: -1 }), /invalid retries/)
})

test('hubOptionsFromEnv reads HF_TOKEN, HF_ENDPOINT, offline switches and the cache folder', () => {
  assert.deepEqual(hubOptionsFromEnv({}), {})
  assert.deepEqual(
    hubOptionsFromEnv({
      HF_TOKEN: ' hf_abc\n',
      HF_ENDPOINT: 'https://hf-mirror.com',
      HF_HUB_OFFLINE: '1',
      XDG_CACHE_HOME: '/x',
    }),
    { token: 'hf_abc', endpoint: 'https://hf-mirror.com', offline: true, cacheDir: join('/x', 'rewardfit') },
  )
  assert.deepEqual(
    hubOptionsFromEnv({ HUGGING_FACE_HUB_TOKEN: 't', REWARDFIT_OFFLINE: 'true', REWARDFIT_CACHE: '/c' }),
    {
      token: 't',
      offline: true,
      cacheDir: '/c',
    },
  )
  assert.equal(hubOptionsFromEnv({ HF_HUB_OFFLINE: '0' }).offline, undefined)
})
