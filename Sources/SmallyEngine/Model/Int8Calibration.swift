import Foundation

/// The range of every input of every linear layer (`max |x_k|` over all tokens), measured with the
/// fp32 weights on fixed texts at load: what SmoothQuant-style smoothing needs (``QuantizationPlan``).
/// BERT's activations have a few inputs with values ten or more times the others' (the same
/// inputs for every token), so these ranges are a property of the model, not of the traffic.
struct Int8Calibration: Sendable {
    /// Per matrix, the largest |input| seen for each of its inputs.
    var ranges: [QuantizationPlan.Matrix: [Float]] = [:]

    /// Varied English (questions, prose, code, lists, numbers, one long paragraph), tokenized at load.
    /// Changing them changes every int8 vector served.
    static let texts: [String] = [
        "where can i find the nearest pharmacy that is open on sunday?",
        "Quantum computers use qubits, which can hold a superposition of zero and one, to explore many states at once.",
        "func merge(_ a: [Int], _ b: [Int]) -> [Int] { var out: [Int] = []; out.reserveCapacity(a.count + b.count); return out }",
        "Total: $1,249.99 (incl. 20% VAT) — order #A-77812, shipped 2024-03-14 via UPS.",
        "The committee postponed its vote until next spring, citing incomplete environmental reports.",
        "tomatoes, basil, olive oil, garlic, salt, pepper, mozzarella",
        "Why does my laptop fan spin loudly even when nothing is running?",
        "In 1969, Apollo 11 landed on the Moon; Neil Armstrong and Buzz Aldrin walked on the surface while Michael Collins orbited above.",
        "ERROR 1045 (28000): Access denied for user 'admin'@'localhost' (using password: YES)",
        "Le musée est fermé le lundi, mais ouvert tous les autres jours de neuf heures à dix-huit heures.",
        "best noise cancelling headphones under 200 dollars for travel",
        """
        The river had flooded twice that decade, and each time the town rebuilt a little further up the hill. \
        Old maps show the market square where the car park is now, and the church, which once stood at the \
        water's edge, is today a fifteen-minute walk from the bank. Farmers downstream welcomed the silt the \
        floods left behind, but the insurers did not, and by the end of the century most of the low-lying \
        houses had been sold to the council, demolished, and replaced by meadows that are allowed to flood. \
        Engineers now measure the river's height every ten minutes, and warnings reach every phone in the \
        valley within seconds of a reading above the threshold.
        """,
        "Is it safe to take ibuprofen together with paracetamol for a headache?",
        "kubectl rollout restart deployment/api -n production && kubectl get pods -w",
        "She smiled, closed the book, and said nothing for a long while.",
        "Revenue Q3: 4.2M EUR (+18% YoY); churn 2.1%; NPS 47.",
    ]

    /// Runs `weights` (fp32) on `sequences` and records every linear layer's input ranges.
    static func measure(_ weights: BertWeights, sequences: [[Int32]]) -> Int8Calibration {
        var calibration = Int8Calibration()
        let encoder = BertEncoder(weights: weights)
        encoder.inputObserver = { matrix, x, rows, width in
            var range = calibration.ranges[matrix] ?? [Float](repeating: 0, count: width)
            for r in 0..<rows {
                let row = x + r * width
                for k in 0..<width { range[k] = max(range[k], abs(row[k])) }
            }
            calibration.ranges[matrix] = range
        }
        _ = try? encoder.forward(sequences.map { EncoderInput(ids: $0) }, pooling: .mean)
        return calibration
    }

    /// SmoothQuant's factors for `matrix` (`[outputs, inputs]`): `s_k = max|x_k|^α / max_j |W_jk|^(1−α)`,
    /// 1 where either range is 0; nil when this matrix was not measured.
    func smoothing(_ key: QuantizationPlan.Matrix, matrix: UnsafePointer<Float>, outputs: Int, inputs: Int,
                   alpha: Float) -> [Float]? {
        guard let range = ranges[key], range.count == inputs else { return nil }
        var weightRange = [Float](repeating: 0, count: inputs)
        for j in 0..<outputs {
            for k in 0..<inputs { weightRange[k] = max(weightRange[k], abs(matrix[j * inputs + k])) }
        }
        return (0..<inputs).map { k in
            guard range[k] > 0, weightRange[k] > 0 else { return 1 }
            return pow(range[k], alpha) / pow(weightRange[k], 1 - alpha)
        }
    }
}
