# Token caches of the probe dataset's train/dev/test splits -> a linear position probe per layer
# (protocol §3, Figure 5): accuracy, contributions c(i) = |w_i v_i| and the weights. The probe
# is a checkpoint: how many layers (so how many layer{layer}.safetensors files) a model has is
# known once it has run, and `all` then asks for each layer's file.


checkpoint probe:
    input:
        train=cache("probe/train"),
        dev=cache("probe/dev"),
        test=cache("probe/test"),
    output:
        accuracy="results/{model}/probe/accuracy.csv",
        contributions="results/{model}/probe/contributions.csv",
        weights="results/{model}/probe/weights.safetensors",
    log:
        "logs/probe/{model}.log",
    benchmark:
        "results/benchmarks/probe/{model}.tsv"
    conda:
        "../envs/encode.yaml"
    # One thread: a job's start (imports, model load) is single-threaded and most of a small
    # table's job, so two jobs on two cores finish sooner than one using both (the demo: 6.0 ->
    # 4.4 min). Big tables on a big node: --set-threads probe=N.
    threads: 1
    params:
        probe=config["probe"],
    script:
        "../scripts/probe.py"


rule probe_layer:
    input:
        "results/{model}/probe/weights.safetensors",
    output:
        "results/{model}/probe/layer{layer}.safetensors",
    log:
        "logs/probe_layer/{model}/layer{layer}.log",
    localrule: True
    conda:
        "../envs/encode.yaml"
    script:
        "../scripts/probe_layer.py"


rule fig5_probe:
    input:
        accuracy="results/{model}/probe/accuracy.csv",
        contributions="results/{model}/probe/contributions.csv",
        outliers=get_traced_outliers,
    output:
        report(
            "results/paper/fig5_probe_{model}.png",
            caption="../report/fig5.rst",
            category="Origin of outliers",
            labels={"model": "{model}", "figure": "5 position probe"},
        ),
    log:
        "logs/fig5_probe/{model}.log",
    localrule: True
    conda:
        "../envs/report.yaml"
    script:
        "../scripts/fig5_probe.py"
