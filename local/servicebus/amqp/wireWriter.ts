/**
 * A byte-level AMQP 1.0 writer for the one thing sent per delivery — a message's sections — and only the types
 * those hold (null, boolean, uint, int, long, double, timestamp, string, symbol, binary, list, map). rhea's
 * general encoder builds a typed tree per value and costs several times more; everything else still goes
 * through rhea. The output decodes with rhea to the same message (see the codec tests).
 */
export type WireValue =
  null | boolean | string | number | { symbol: string } | { timestamp: number } | { long: number } | { uint: number };

const DESCRIPTOR = 0x00;
const SMALL_ULONG = 0x53;

export class WireWriter {
  #buffer = Buffer.allocUnsafe(512);
  #length = 0;

  #ensure(extra: number): void {
    if (this.#length + extra <= this.#buffer.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.#buffer.length * 2, this.#length + extra));
    this.#buffer.copy(bigger, 0, 0, this.#length);
    this.#buffer = bigger;
  }

  #byte(value: number): void {
    this.#ensure(1);
    this.#buffer[this.#length++] = value;
  }

  #bytes(code8: number, code32: number, data: Buffer | string): void {
    const size = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
    this.#ensure(size + 5);
    if (size <= 255) {
      this.#buffer[this.#length++] = code8;
      this.#buffer[this.#length++] = size;
    } else {
      this.#buffer[this.#length++] = code32;
      this.#buffer.writeUInt32BE(size, this.#length);
      this.#length += 4;
    }
    if (typeof data === 'string') this.#buffer.write(data, this.#length, size, 'utf8');
    else data.copy(this.#buffer, this.#length);
    this.#length += size;
  }

  /** A 64-bit two's-complement integer (long, timestamp) from a safe JS integer, without BigInt. */
  #fixed64(code: number, value: number): void {
    this.#ensure(9);
    this.#buffer[this.#length++] = code;
    const high = Math.floor(value / 2 ** 32);
    this.#buffer.writeInt32BE(high, this.#length);
    this.#buffer.writeUInt32BE(value - high * 2 ** 32, this.#length + 4);
    this.#length += 8;
  }

  #number(value: number): void {
    if (!Number.isInteger(value)) {
      this.#ensure(9);
      this.#buffer[this.#length++] = 0x82; // double
      this.#buffer.writeDoubleBE(value, this.#length);
      this.#length += 8;
    } else if (value >= -(2 ** 31) && value < 2 ** 31) {
      this.#ensure(5);
      this.#buffer[this.#length++] = 0x71; // int
      this.#buffer.writeInt32BE(value, this.#length);
      this.#length += 4;
    } else {
      this.#fixed64(0x81, value); // long
    }
  }

  value(value: WireValue): void {
    if (value === null) this.#byte(0x40);
    else if (typeof value === 'boolean') this.#byte(value ? 0x41 : 0x42);
    else if (typeof value === 'string') this.#bytes(0xa1, 0xb1, value);
    else if (typeof value === 'number') this.#number(value);
    else if ('symbol' in value) this.#bytes(0xa3, 0xb3, value.symbol);
    else if ('timestamp' in value) this.#fixed64(0x83, value.timestamp);
    else if ('long' in value) this.#fixed64(0x81, value.long);
    else {
      this.#ensure(5);
      this.#buffer[this.#length++] = 0x70; // uint
      this.#buffer.writeUInt32BE(value.uint, this.#length);
      this.#length += 4;
    }
  }

  /** A compound (list or map) of `count` items written by `items`, with its 32-bit size and count. */
  #compound(code: number, count: number, items: () => void): void {
    this.#ensure(9);
    this.#buffer[this.#length++] = code;
    const sizeAt = this.#length;
    this.#length += 4;
    this.#buffer.writeUInt32BE(count, this.#length);
    this.#length += 4;
    items();
    this.#buffer.writeUInt32BE(this.#length - sizeAt - 4, sizeAt);
  }

  #section(code: number): void {
    this.#ensure(3);
    this.#buffer[this.#length++] = DESCRIPTOR;
    this.#buffer[this.#length++] = SMALL_ULONG;
    this.#buffer[this.#length++] = code;
  }

  /** A described list section (header 0x70, properties 0x73); trailing nulls are left out. */
  listSection(code: number, fields: WireValue[]): void {
    let count = fields.length;
    while (count > 0 && fields[count - 1] === null) count--;
    this.#section(code);
    this.#compound(0xd0, count, () => fields.slice(0, count).forEach((field) => this.value(field)));
  }

  /** A described map section: message annotations (0x72, symbol keys) or application properties (0x74). */
  mapSection(code: number, entries: [string, WireValue][], symbolKeys: boolean): void {
    this.#section(code);
    this.#compound(0xd1, entries.length * 2, () => {
      for (const [key, value] of entries) {
        this.value(symbolKeys ? { symbol: key } : key);
        this.value(value);
      }
    });
  }

  dataSection(bytes: Buffer): void {
    this.#section(0x75);
    this.#bytes(0xa0, 0xb0, bytes);
  }

  raw(bytes: Buffer): void {
    this.#ensure(bytes.length);
    bytes.copy(this.#buffer, this.#length);
    this.#length += bytes.length;
  }

  toBuffer(): Buffer {
    return this.#buffer.subarray(0, this.#length);
  }
}
