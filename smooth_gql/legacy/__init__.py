"""The legacy Smooth Core wire shapes, as data (contract §6).

Neutral ground: the REST skin renders and parses requests with it, and the
backup package (`smooth_gql/backup/`, above services and legacy) writes and
reads the contract's backup rows (§9.1) with the same table, so the mapping
exists once and services never import it or a skin.
"""
