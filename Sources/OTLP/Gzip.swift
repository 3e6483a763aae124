import CZlib

/// gzip bodies (`Content-Encoding: gzip`), inflated with a bound on the inflated size.
enum Gzip {
    enum Failure: Error, Equatable {
        /// Not gzip data, or truncated: zlib's message.
        case corrupt(String)
        /// Inflates past `limit` bytes.
        case tooLarge(limit: Int)
    }

    /// The inflated bytes of `compressed` (one gzip member, or several back to back), stopping as
    /// soon as they pass `limit`: a small body that inflates to gigabytes is refused early.
    static func inflate(_ compressed: [UInt8], limit: Int) throws(Failure) -> [UInt8] {
        guard !compressed.isEmpty else { throw .corrupt("empty gzip body") }
        var stream = z_stream()
        // 16 + MAX_WBITS: a gzip header and trailer, not raw deflate or zlib.
        guard inflateInit2_(&stream, 16 + MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw .corrupt("zlib could not start")
        }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var input = compressed
        return try input.withUnsafeMutableBufferPointer { (inputBuffer) throws(Failure) -> [UInt8] in
            stream.next_in = inputBuffer.baseAddress
            stream.avail_in = UInt32(inputBuffer.count)
            while true {
                let status = chunk.withUnsafeMutableBufferPointer { chunkBuffer -> Int32 in
                    stream.next_out = chunkBuffer.baseAddress
                    stream.avail_out = UInt32(chunkBuffer.count)
                    return CZlib.inflate(&stream, Z_NO_FLUSH)
                }
                let produced = chunk.count - Int(stream.avail_out)
                if output.count + produced > limit { throw .tooLarge(limit: limit) }
                output.append(contentsOf: chunk[0..<produced])
                switch status {
                case Z_STREAM_END:
                    // Concatenated members (RFC 1952 allows them): go on with the next one.
                    guard stream.avail_in > 0 else { return output }
                    guard inflateReset(&stream) == Z_OK else { throw .corrupt("zlib could not restart") }
                case Z_OK:
                    if stream.avail_in == 0 && produced < chunk.count {
                        throw .corrupt("the gzip data ends early")
                    }
                case Z_BUF_ERROR where stream.avail_in == 0:
                    throw .corrupt("the gzip data ends early")
                default:
                    let message = stream.msg.map { String(cString: $0) } ?? "zlib error \(status)"
                    throw .corrupt(message)
                }
            }
        }
    }

    /// `bytes` gzip-compressed (level 6): for tests and for the exporter's own bodies.
    static func deflate(_ bytes: [UInt8]) -> [UInt8] {
        var stream = z_stream()
        guard deflateInit2_(&stream, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            preconditionFailure("zlib's deflate could not start")
        }
        defer { deflateEnd(&stream) }
        var input = bytes
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(bytes.count))) + 32)
        let produced = input.withUnsafeMutableBufferPointer { inputBuffer in
            output.withUnsafeMutableBufferPointer { outputBuffer -> Int in
                stream.next_in = inputBuffer.baseAddress
                stream.avail_in = UInt32(inputBuffer.count)
                stream.next_out = outputBuffer.baseAddress
                stream.avail_out = UInt32(outputBuffer.count)
                let status = CZlib.deflate(&stream, Z_FINISH)
                precondition(status == Z_STREAM_END, "deflate into a buffer of deflateBound's size finishes in one call")
                return outputBuffer.count - Int(stream.avail_out)
            }
        }
        return Array(output[0..<produced])
    }
}
