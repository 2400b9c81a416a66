# WiC, STS and supervised probes per layer, raw and after each post-processing (Tables 1-3).


rule wic:
    input:
        cache=cache("wic"),
        pairs="results/data/wic.csv",
        fit=get_fit_files,
    output:
        "results/{model}/tasks/wic/{method}.csv",
    log:
        "logs/wic/{model}/{method}.log",
    benchmark:
        "results/benchmarks/wic/{model}/{method}.tsv"
    conda:
        "../envs/analysis.yaml"
    params:
        thresholds=config["wic"]["thresholds"],
        pooling=config["wic"]["pooling"],
        eval_fit=get_eval_fit,
    script:
        "../scripts/wic.py"


rule sts:
    input:
        cache=cache("sts"),
        pairs="results/data/sts.csv",
        fit=get_fit_files,
    output:
        "results/{model}/tasks/sts/{method}.csv",
    log:
        "logs/sts/{model}/{method}.log",
    benchmark:
        "results/benchmarks/sts/{model}/{method}.tsv"
    conda:
        "../envs/analysis.yaml"
    params:
        special_tokens=config["sts"]["special_tokens"],
        eval_fit=get_eval_fit,
    script:
        "../scripts/sts.py"


rule supervised:
    input:
        cache=cache("supervised/{task}"),
        examples="results/data/supervised/{task}.csv",
        fit=get_fit_files,
    output:
        scores="results/{model}/tasks/supervised/{task}/{method}.csv",
        classifiers="results/{model}/tasks/supervised/{task}/{method}.safetensors",
    log:
        "logs/supervised/{model}/{task}/{method}.log",
    benchmark:
        "results/benchmarks/supervised/{model}/{task}/{method}.tsv"
    conda:
        "../envs/analysis.yaml"
    threads: 1
    params:
        training=SUPERVISED_TRAINING,
        batch_size=get_batch_size,
        n_classes=get_n_classes,
        eval_fit=get_eval_fit,
    script:
        "../scripts/supervised.py"


rule collect_wic:
    input:
        get_per_method("results/{model}/tasks/wic/{method}.csv"),
    output:
        "results/{model}/tasks/wic.csv",
    log:
        "logs/collect_wic/{model}.log",
    localrule: True
    conda:
        "../envs/analysis.yaml"
    script:
        "../scripts/concat.py"


rule collect_sts:
    input:
        get_per_method("results/{model}/tasks/sts/{method}.csv"),
    output:
        "results/{model}/tasks/sts.csv",
    log:
        "logs/collect_sts/{model}.log",
    localrule: True
    conda:
        "../envs/analysis.yaml"
    script:
        "../scripts/concat.py"


rule collect_supervised:
    input:
        get_supervised_parts,
    output:
        "results/{model}/tasks/supervised.csv",
    log:
        "logs/collect_supervised/{model}.log",
    localrule: True
    conda:
        "../envs/analysis.yaml"
    script:
        "../scripts/concat.py"
