import Crypto

extension AWSSigner {
    /// SigV4 step 2, "Create a string to sign":
    ///
    /// ```
    /// AWS4-HMAC-SHA256 \n RequestDateTime \n CredentialScope \n hex(SHA256(CanonicalRequest))
    /// ```
    package func stringToSign(canonicalRequest: String, time: SigningTime) -> String {
        [
            Self.algorithm,
            time.amzDate,
            credentialScope(time),
            Hex.encode(SHA256.hash(data: Array(canonicalRequest.utf8))),
        ].joined(separator: "\n")
    }

    /// SigV4 step 3, "Derive a signing key":
    ///
    /// ```
    /// kDate    = HMAC("AWS4" + secret, Date)
    /// kRegion  = HMAC(kDate, Region)
    /// kService = HMAC(kRegion, Service)
    /// kSigning = HMAC(kService, "aws4_request")
    /// ```
    ///
    /// Cached per scope date, region and service. The key's raw bytes are
    /// returned, so callers need no Crypto types.
    package func signingKey(time: SigningTime) -> [UInt8] {
        let scope = SigningKeyCache.Scope(day: String(time.day), region: region, service: service)
        return keyCache.key(for: scope) {
            var key = Array("AWS4\(credentials.secretAccessKey)".utf8)
            for element in [scope.day, region, service, Self.scopeTerminator] {
                key = Self.hmac(key: key, element)
            }
            return key
        }
    }

    /// SigV4 step 4, "Calculate the signature": hex(HMAC(kSigning, StringToSign)).
    package func signature(stringToSign: String, time: SigningTime) -> String {
        Hex.encode(Self.hmac(key: signingKey(time: time), stringToSign))
    }

    /// The number of derived keys held, for tests.
    package var cachedKeyCount: Int { keyCache.count }

    static func hmac(key: [UInt8], _ message: String) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: Array(message.utf8), using: SymmetricKey(data: key)))
    }
}
