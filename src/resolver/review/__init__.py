"""What an analyst reviews: readable entity names, the link that holds each record in its
entity, per-comparison evidence, explanations of a pair, and review decisions fed back."""
