# Where the time and memory of the run went: the benchmark record of every heavy job and
# each job's exact peak memory (from its provenance) -> one table, also in the report.


rule jobs_summary:
    input:
        benchmarks=get_job_benchmarks,
        outputs=get_job_outputs,
    output:
        report(
            "results/paper/jobs.csv",
            caption="../report/jobs.rst",
            category="Run",
            labels={"table": "jobs: time and memory"},
        ),
    log:
        "logs/jobs_summary/jobs.log",
    localrule: True
    conda:
        "../envs/report.yaml"
    params:
        jobs=get_jobs,
    script:
        "../scripts/jobs_summary.py"
