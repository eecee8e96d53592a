import type { Dispatcher } from 'undici'
import { describe, expect, it } from 'vitest'
import { type BodyReader, UpstreamExchange } from './upstream-response.js'
import type { UpstreamSignal } from './upstream-signal.js'

/** A call signal the test aborts; it hands the abort to the listener as UpstreamCall does. */
function callSignal() {
  let listener: ((reason: Error) => void) | undefined
  let reason: Error | undefined
  const signal: UpstreamSignal = {
    get aborted() {
      return reason !== undefined
    },
    onAbort: (l) => {
      listener = l
      if (l !== undefined && reason !== undefined) {
        l(reason)
      }
    },
  }
  return {
    signal,
    abort: (r: Error) => {
      reason = r
      listener?.(r)
    },
    listening: () => listener !== undefined,
  }
}

/** An exchange dispatched to a controller that records what the exchange asked of undici. */
function dispatched(signal = callSignal()) {
  const log: string[] = []
  let done = 0
  const exchange = new UpstreamExchange(signal.signal, () => {
    done++
  })
  const controller: Dispatcher.DispatchController = {
    aborted: false,
    paused: false,
    reason: null,
    abort: (reason) => {
      log.push(`abort: ${reason.message}`)
      exchange.onResponseError(controller, reason)
    },
    pause: () => log.push('pause'),
    resume: () => log.push('resume'),
  }
  const response = exchange.response()
  exchange.onRequestStart(controller)
  return { exchange, controller, response, log, doneCount: () => done, signal }
}

function recorder() {
  const seen: string[] = []
  const reader: BodyReader = {
    onData: (chunk) => seen.push(chunk.toString()),
    onEnd: () => seen.push('<end>'),
    onError: (err) => seen.push(`<error: ${err.message}>`),
  }
  return { seen, reader }
}

describe('UpstreamExchange', () => {
  it('resolves at the final headers (not at a 100 Continue) with the status and headers', async () => {
    const { exchange, controller, response } = dispatched()
    exchange.onResponseStart(controller, 100, {})
    exchange.onResponseStart(controller, 201, { 'content-type': 'application/json' })
    const res = await response
    expect(res.status).toBe(201)
    expect(res.headers['content-type']).toBe('application/json')
    expect(res.body).toBe(exchange)
  })

  it('rejects with the error when the request fails before its headers, and ends once', async () => {
    const { exchange, controller, response, doneCount } = dispatched()
    exchange.onResponseError(controller, new Error('connect ECONNREFUSED'))
    await expect(response).rejects.toThrow('ECONNREFUSED')
    expect(doneCount()).toBe(1)
  })

  it('keeps chunks that arrive before read, counts them, and hands them over first, in order', async () => {
    const { exchange, controller } = dispatched()
    exchange.onResponseStart(controller, 200, {})
    exchange.onResponseData(controller, Buffer.from('one'))
    exchange.onResponseData(controller, Buffer.from('two'))
    expect(exchange.bufferedBytes).toBe(6)
    const { seen, reader } = recorder()
    exchange.read(reader)
    expect(exchange.bufferedBytes).toBe(0)
    exchange.onResponseData(controller, Buffer.from('three'))
    exchange.onResponseEnd()
    expect(seen).toEqual(['one', 'two', 'three', '<end>'])
  })

  it('holds chunks and the end while paused, pausing undici, and delivers them on resume', () => {
    const { exchange, controller, log, doneCount } = dispatched()
    exchange.onResponseStart(controller, 200, {})
    const { seen, reader } = recorder()
    exchange.read(reader)
    exchange.pause()
    exchange.onResponseData(controller, Buffer.from('a'))
    exchange.onResponseEnd()
    expect(seen).toEqual([])
    expect(doneCount()).toBe(1) // the engine is done; only the reader is behind
    exchange.resume()
    expect(seen).toEqual(['a', '<end>'])
    expect(log).toEqual(['pause', 'pause'])
  })

  it('reports an error after the headers to the reader, after the chunks before it', () => {
    const { exchange, controller } = dispatched()
    exchange.onResponseStart(controller, 200, {})
    exchange.onResponseData(controller, Buffer.from('a'))
    exchange.onResponseError(controller, new Error('other side closed'))
    const { seen, reader } = recorder()
    exchange.read(reader)
    expect(seen).toEqual(['a', '<error: other side closed>'])
  })

  it('aborts undici when destroyed, and the reader hears nothing more', () => {
    const { exchange, controller, log, doneCount } = dispatched()
    exchange.onResponseStart(controller, 200, {})
    const { seen, reader } = recorder()
    exchange.read(reader)
    exchange.destroy()
    exchange.onResponseData(controller, Buffer.from('late'))
    expect(log).toEqual(['abort: the gateway stopped reading the engine body'])
    expect(seen).toEqual([])
    expect(doneCount()).toBe(1)
  })

  it('aborts undici when the call is aborted, before or after the headers, and then stops listening', async () => {
    const before = dispatched()
    before.signal.abort(new Error('the client closed the request'))
    await expect(before.response).rejects.toThrow('the client closed the request')
    expect(before.signal.listening()).toBe(false)

    const after = dispatched()
    after.exchange.onResponseStart(after.controller, 200, {})
    const { seen, reader } = recorder()
    after.exchange.read(reader)
    after.signal.abort(new Error('the client closed the request'))
    expect(after.log).toEqual(['abort: the client closed the request'])
    expect(seen).toEqual(['<error: the client closed the request>'])
    expect(after.doneCount()).toBe(1)
  })

  it('aborts at once a request whose call was aborted before undici started it', async () => {
    const signal = callSignal()
    signal.abort(new Error('gone'))
    const { response, log } = dispatched(signal)
    expect(log).toEqual(['abort: gone'])
    await expect(response).rejects.toThrow('gone')
  })
})
