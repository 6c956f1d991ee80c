"""MT candidate scoring: which candidate to start from, which provider to trust.

* :mod:`.inputs`      candidate files (CSV/JSONL keyed by segment) and the WMT layout
* :mod:`.metrics`     sacrebleu BLEU / chrF / chrF++ / TER: statistics extracted once per
                      (segment, text), bootstrap CIs and paired bootstrap p-values computed
                      from them with sacrebleu's own arithmetic
* :mod:`.consensus`   reference-free MBR: mean sentence chrF against the other candidates
* :mod:`.signals`     wrong language, copy of source, empty, length outlier, numbers
* :mod:`.leaderboard` everything above -> the JSON the CLI prints and the candidate table
* :mod:`.draft`       SFIA 9 draft: SFIA 8 text where the English did not change, best pick elsewhere
"""
