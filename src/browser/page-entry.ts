/**
 * The script of the page served at GET / (bundled by serve/page-bundle.ts). It scores what the user typed
 * on the server (POST /v1/score) or, once a model is loaded into the page, locally with localModel.
 * Every shown number also sits in a data-value attribute at full precision, for tests and copying.
 *
 * @example
 *   // <script src="/assets/rewardfit-page.js"></script> at the end of the page's body
 */
import type { RatingScale } from '../model/config.ts'
import { type DisplayScale, displayScales, type ModelCard, rewardScale } from '../model/model-card.ts'
import type { RewardModel } from '../model/reward-model.ts'
import { localModel } from './local-model.ts'

interface ScoreResult {
  rewards: number[]
  scores: Record<string, number>[]
  /** The reward's predictive std, when the model has uncertainty. */
  std?: number[]
}

interface Scales {
  attributes: string[]
  display: DisplayScale[]
  reward: RatingScale
}

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T

const el = (tag: string, cls?: string, text?: string): HTMLElement => {
  const e = document.createElement(tag)
  if (cls) e.className = cls
  if (text !== undefined) e.textContent = text
  return e
}

const fmt = (v: number): string => (Number.isFinite(v) ? v.toFixed(3) : String(v))

let serverScales: Scales | null = null
let local: { model: RewardModel; scales: Scales } | null = null

function addResponse(text = ''): void {
  const row = el('div', 'response-row')
  const ta = document.createElement('textarea')
  ta.className = 'response'
  ta.placeholder = 'A response (y)'
  ta.value = text
  const remove = el('button', undefined, '×') as HTMLButtonElement
  remove.type = 'button'
  remove.title = 'Remove this response'
  remove.addEventListener('click', () => {
    if (document.querySelectorAll('.response').length > 1) row.remove()
  })
  row.append(ta, remove)
  $('responses').append(row)
}

function inputs(): { prompt: string; responses: string[] } {
  const prompt = $<HTMLTextAreaElement>('prompt').value
  const responses = Array.from(document.querySelectorAll<HTMLTextAreaElement>('.response')).map((t) => t.value)
  return { prompt, responses }
}

function setStatus(id: string, text: string, error = false): void {
  const s = $(id)
  s.textContent = text
  s.classList.toggle('error', error)
}

/** One bar row: label, bar on [scale.min, scale.max] (clamped), value. */
function barRow(label: string, value: number, scale: RatingScale, cls: string, attr: string): HTMLElement {
  const row = el('div', `row ${cls}`)
  row.dataset.attr = attr
  row.dataset.value = String(value)
  const track = el('div', 'track')
  const fill = el('div', 'fill')
  const frac = (value - scale.min) / (scale.max - scale.min)
  fill.style.width = `${(Math.min(1, Math.max(0, frac)) * 100).toFixed(1)}%`
  track.title = `scale ${fmt(scale.min)} – ${fmt(scale.max)}`
  track.append(fill)
  row.append(el('div', undefined, label), track, el('div', 'num', fmt(value)))
  return row
}

function renderResults(target: string, source: string, responses: string[], res: ScoreResult, scales: Scales): void {
  const box = $(target)
  box.replaceChildren()
  box.dataset.source = source
  box.append(el('h2', undefined, source === 'local' ? 'Scored in this browser' : 'Scored by the server'))
  const order = res.rewards.map((_, i) => i).sort((a, b) => res.rewards[b] - res.rewards[a] || a - b)
  const rankOf = new Map(order.map((i, r) => [i, r + 1]))
  res.rewards.forEach((reward, i) => {
    const card = el('div', 'result')
    card.dataset.index = String(i)
    const title = el('div', 'title')
    title.append(
      el('span', undefined, `Response ${i + 1}`),
      el('span', 'scale', `rank ${rankOf.get(i)} of ${res.rewards.length}`),
    )
    card.append(title, el('div', 'text', responses[i] || '(empty)'))
    const std = res.std?.[i]
    const label = std === undefined ? 'reward' : `reward ± ${fmt(std)}`
    const row = barRow(label, reward, scales.reward, 'reward', '__reward__')
    if (std !== undefined) row.dataset.std = String(std)
    card.append(row)
    scales.attributes.forEach((name, a) => {
      card.append(barRow(name, res.scores[i][name], scales.display[a], 'attr', name))
    })
    box.append(card)
  })
}

async function scoreOnServer(): Promise<void> {
  const { prompt, responses } = inputs()
  setStatus('status', 'scoring on the server…')
  try {
    const r = await fetch('/v1/score', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ items: responses.map((response) => ({ prompt, response })) }),
    })
    const body = await r.json()
    if (!r.ok) throw new Error(body?.error?.message ?? `HTTP ${r.status}`)
    if (!serverScales) throw new Error('the model card has not loaded')
    renderResults('results-server', 'server', responses, body as ScoreResult, serverScales)
    setStatus('status', `scored ${responses.length} response(s) on the server`)
  } catch (err) {
    setStatus('status', `server scoring failed: ${(err as Error).message}`, true)
  }
}

async function scoreLocally(): Promise<void> {
  if (!local) return
  const { prompt, responses } = inputs()
  try {
    const { model, scales } = local
    const scored = await model.score(responses.map((response) => ({ prompt, response })))
    renderResults(
      'results-local',
      'local',
      responses,
      {
        rewards: Array.from(scored.rewards),
        scores: model.scoreObjects(scored),
        ...(scored.std ? { std: Array.from(scored.std) } : {}),
      },
      scales,
    )
    setStatus('status', `scored ${responses.length} response(s) in this browser`)
  } catch (err) {
    setStatus('status', `local scoring failed: ${(err as Error).message}`, true)
  }
}

function useLocalModel(config: unknown, head: Uint8Array, from: string, uncertainty: Uint8Array | null = null): void {
  const model = localModel(config, head, uncertainty)
  const display = displayScales(model.config)
  local = { model, scales: { attributes: model.attributes, display, reward: rewardScale(model.config, display) } }
  const b = $<HTMLButtonElement>('score-local')
  b.disabled = false
  b.title = ''
  setStatus('local-status', `loaded ${from}: ${model.attributes.length} attribute(s), ${model.featurizer.dim} features`)
  document.body.dataset.localModel = 'ready'
}

async function loadServerModel(): Promise<void> {
  setStatus('local-status', 'downloading the model files…')
  try {
    const [c, h] = await Promise.all([fetch('/v1/model/files/config.json'), fetch('/v1/model/files/head.safetensors')])
    if (!c.ok || !h.ok) throw new Error(`HTTP ${c.ok ? h.status : c.status}`)
    const config = await c.json()
    let u: Uint8Array | null = null
    if (config?.uncertainty) {
      const r = await fetch('/v1/model/files/uncertainty.safetensors')
      if (!r.ok) throw new Error(`HTTP ${r.status} for uncertainty.safetensors`)
      u = new Uint8Array(await r.arrayBuffer())
    }
    useLocalModel(config, new Uint8Array(await h.arrayBuffer()), "the server's model", u)
  } catch (err) {
    setStatus('local-status', `could not load the model: ${(err as Error).message}`, true)
  }
}

async function loadChosenFiles(files: FileList | null): Promise<void> {
  const list: File[] = files ? Array.from(files) : []
  const config = list.find((f) => f.name.endsWith('.json'))
  const head = list.find((f) => f.name.endsWith('.safetensors') && !f.name.startsWith('uncertainty'))
  const uncertainty = list.find((f) => f.name === 'uncertainty.safetensors')
  if (!config || !head) {
    setStatus(
      'local-status',
      'choose both config.json and head.safetensors (hold Ctrl or Shift to pick two files)',
      true,
    )
    return
  }
  try {
    useLocalModel(
      JSON.parse(await config.text()),
      new Uint8Array(await head.arrayBuffer()),
      `${config.name} + ${head.name}${uncertainty ? ' + uncertainty.safetensors' : ''}`,
      uncertainty ? new Uint8Array(await uncertainty.arrayBuffer()) : null,
    )
  } catch (err) {
    setStatus('local-status', `could not load the model: ${(err as Error).message}`, true)
  }
}

function renderCard(card: ModelCard): void {
  $('model-summary').textContent =
    `${card.attributes.length} attribute(s) · backbone ${String(card.backbone?.type ?? 'none')} · ${card.head.type} head`
  const body = $('card-body')
  body.replaceChildren()
  const table = el('table')
  table.append(trow(['attribute', 'weight', 'scale'], 'th'))
  card.attributes.forEach((name, a) => {
    const d = card.display_scales[a]
    table.append(
      trow([
        name,
        String(card.weights[a]),
        `${fmt(d.min)} – ${fmt(d.max)}${d.source === 'config' ? '' : ` (${d.source})`}`,
      ]),
    )
  })
  body.append(table)
  if (card.metrics) {
    body.append(el('h2', undefined, 'Metrics'))
    const m = el('table')
    for (const [k, v] of Object.entries(flatten(card.metrics)))
      m.append(trow([k, typeof v === 'number' ? fmt(v) : String(v)]))
    body.append(m)
  } else body.append(el('p', 'scale', 'No training metrics recorded in this model.'))
  const spec = el('pre')
  spec.append(el('code', undefined, JSON.stringify({ backbone: card.backbone, head: card.head }, null, 1)))
  body.append(spec)
}

function trow(cells: string[], tag = 'td'): HTMLElement {
  const tr = el('tr')
  for (const c of cells) tr.append(el(tag, undefined, c))
  return tr
}

function flatten(o: Record<string, unknown>, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(o)) {
    if (v && typeof v === 'object' && !Array.isArray(v))
      Object.assign(out, flatten(v as Record<string, unknown>, `${prefix}${k}.`))
    else out[`${prefix}${k}`] = v
  }
  return out
}

async function loadCard(): Promise<void> {
  try {
    const r = await fetch('/v1/model')
    const card = (await r.json()) as ModelCard
    if (!r.ok)
      throw new Error((card as unknown as { error?: { message?: string } }).error?.message ?? `HTTP ${r.status}`)
    serverScales = { attributes: card.attributes, display: card.display_scales, reward: card.reward_scale }
    renderCard(card)
    document.body.dataset.card = 'ready'
  } catch (err) {
    $('card-body').textContent = `could not load the model card: ${(err as Error).message}`
  }
}

addResponse()
addResponse()
$('add-response').addEventListener('click', () => addResponse())
$('score-server').addEventListener('click', () => void scoreOnServer())
$('score-local').addEventListener('click', () => void scoreLocally())
$('load-server-model').addEventListener('click', () => void loadServerModel())
$<HTMLInputElement>('model-files').addEventListener(
  'change',
  (e) => void loadChosenFiles((e.target as HTMLInputElement).files),
)
void loadCard()
