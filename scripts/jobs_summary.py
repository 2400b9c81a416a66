"""Adapter: benchmark records and job provenance -> results/paper/jobs.csv."""

from posart import adapter, atomic, contract, jobs, provenance

with adapter.run(snakemake):
    records = [provenance.read(job["output"]) for job in snakemake.params.jobs]
    runs = [
        {**job, **{name: record.get(name) for name in jobs.RECORDED}}
        for job, record in zip(snakemake.params.jobs, records)
    ]
    atomic.write_csv(snakemake.output[0], contract.conform("jobs", jobs.summarise(runs)))
