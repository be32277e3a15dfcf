"""`ca3 chaos`: failure drills per tier with measured recovery and counted loss and duplicates.

Pure parts (the experiments as data, the recovery and sequence-number analysis, the report, the plot) work on data;
the edges are `inject` (kubectl actions and their rollback), `observe` (pods, events, logs), `influx` (the stored
readings through InfluxDB's query API) and `runner` (the loop: steady state, inject, measure, steady state, rollback).
"""
