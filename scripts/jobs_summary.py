"""Adapter: benchmark records and job provenance -> results/paper/jobs.csv."""

from posart import adapter, atomic, contract, jobs, provenance

with adapter.run(snakemake):
    runs = [{**job, "peak_rss_mb": provenance.read(job["output"]).get("peak_rss_mb")} for job in snakemake.params.jobs]
    atomic.write_csv(snakemake.output[0], contract.conform("jobs", jobs.summarise(runs)))
