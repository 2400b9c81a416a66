# Word sense disambiguation (the earlier version's experiment): SemCor sense vectors and the
# nearest sense per target of Raganato et al.'s sets, raw and after each post-processing.
# Data -> caches (encode.smk) -> one job per (model, method) -> wsd.csv -> the paper table.


rule prepare_wsd_targets:
    input:
        data=data_files(WSD_TARGET_FILES),
        wordnet=WORDNET_INDEX,
    output:
        targets="results/data/wsd/targets.csv",
        senses="results/data/wsd/senses.csv",
    log:
        "logs/prepare_wsd_targets/wsd.log",
    localrule: True
    conda:
        "../envs/data.yaml"
    params:
        sets=config["wsd"]["sets"],
        files=WSD_TARGET_FILES,
    script:
        "../scripts/prepare_wsd_targets.py"


rule prepare_wsd_training:
    input:
        data=data_files(WSD_TRAINING_FILES),
        senses="results/data/wsd/senses.csv",
    output:
        "results/data/wsd/semcor.csv",
    log:
        "logs/prepare_wsd_training/wsd.log",
    localrule: True
    conda:
        "../envs/data.yaml"
    params:
        max_per_sense=config["wsd"]["max_per_sense"],
        files=WSD_TRAINING_FILES,
    script:
        "../scripts/prepare_wsd_training.py"


rule wsd:
    input:
        training_cache=cache("wsd/semcor"),
        targets_cache=cache("wsd/targets"),
        training="results/data/wsd/semcor.csv",
        targets="results/data/wsd/targets.csv",
        senses="results/data/wsd/senses.csv",
        fit=get_fit_files,
    output:
        scores="results/{model}/tasks/wsd/{method}.csv",
        predictions="results/{model}/tasks/wsd/{method}.predictions.csv.gz",
    log:
        "logs/wsd/{model}/{method}.log",
    benchmark:
        "results/benchmarks/wsd/{model}/{method}.tsv"
    conda:
        "../envs/analysis.yaml"
    params:
        eval_fit=get_eval_fit,
    script:
        "../scripts/wsd.py"


rule wsd_baseline:
    input:
        targets="results/data/wsd/targets.csv",
        senses="results/data/wsd/senses.csv",
    output:
        "results/baselines/wsd.csv",
    log:
        "logs/wsd_baseline/wsd.log",
    localrule: True
    conda:
        "../envs/analysis.yaml"
    script:
        "../scripts/wsd_baseline.py"


rule collect_wsd:
    input:
        get_per_method("results/{model}/tasks/wsd/{method}.csv"),
    output:
        "results/{model}/tasks/wsd.csv",
    log:
        "logs/collect_wsd/{model}.log",
    localrule: True
    conda:
        "../envs/analysis.yaml"
    script:
        "../scripts/concat.py"


rule table_wsd:
    input:
        results=per_model("results/{model}/tasks/wsd.csv"),
        baseline="results/baselines/wsd.csv",
    output:
        **{
            ext: report(
                f"results/paper/table_wsd.{ext}",
                caption="../report/table_wsd.rst",
                category="Tables",
                labels={"table": "WSD (earlier version)", "format": ext},
            )
            for ext in TABLE_FORMATS
        },
    log:
        "logs/table_wsd/table_wsd.log",
    localrule: True
    conda:
        "../envs/report.yaml"
    params:
        sets=config["wsd"]["sets"],
        clips=CLIPS,
    script:
        "../scripts/table_wsd.py"
