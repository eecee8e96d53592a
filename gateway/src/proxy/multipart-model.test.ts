import { describe, expect, it } from 'vitest'
import { renameModelField } from './multipart-model.js'

const B = 'XyZ'

function form(...parts: string[]): Buffer {
  return Buffer.from(`${parts.map((p) => `--${B}\r\n${p}\r\n`).join('')}--${B}--\r\n`)
}

describe('renameModelField', () => {
  it('replaces the value of the model field and nothing else', () => {
    const held = form(
      'Content-Disposition: form-data; name="language"\r\n\r\nen',
      'Content-Disposition: form-data; name="model"\r\n\r\nwhisper-gw',
      'Content-Disposition: form-data; name="file"; filename="a.wav"\r\nContent-Type: audio/wav\r\n\r\nRIFF',
    )
    const out = renameModelField(held, B, 'whisper-gw', 'openai/whisper-large-v3')
    expect(out?.toString()).toBe(
      held.toString().replace('\r\n\r\nwhisper-gw\r\n', '\r\n\r\nopenai/whisper-large-v3\r\n'),
    )
  })

  it('finds it after a preamble, and with an unquoted name', () => {
    const held = Buffer.concat([
      Buffer.from('ignored preamble\r\n'),
      form('Content-Disposition: form-data; name=model\r\n\r\nm'),
    ])
    expect(renameModelField(held, B, 'm', 'n')?.toString()).toContain('\r\n\r\nn\r\n--XyZ--')
  })

  it('leaves a file whose name is model alone, and gives up when the value differs', () => {
    const file = form('Content-Disposition: form-data; name="model"; filename="model"\r\n\r\nm')
    expect(renameModelField(file, B, 'm', 'n')).toBeUndefined()
    const other = form('Content-Disposition: form-data; name="model"\r\n\r\nsomething-else')
    expect(renameModelField(other, B, 'm', 'n')).toBeUndefined()
    const lookalike = form('Content-Disposition: form-data; name="model_name"\r\n\r\nm')
    expect(renameModelField(lookalike, B, 'm', 'n')).toBeUndefined()
  })
})
