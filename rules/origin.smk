# Model weights + the outlier dims detected on origin.corpus -> where the dims come from: the
# embedding matrices, the position table's first rows (Figures 3-4) and every LayerNorm's gain
# and bias (protocol §3). Per-architecture parameter names: posart.architectures.


rule origin:
    input:
        outliers=f"results/{{model}}/outliers/{ORIGIN_CORPUS}.csv",
        identity="results/{model}/identity.json",
    output:
        embeddings="results/{model}/origin/embeddings.csv",
        position_rows="results/{model}/origin/position_rows.csv",
        layernorm_ranks="results/{model}/origin/layernorm_ranks.csv",
        comparison="results/{model}/origin/comparison.csv",
        summary="results/{model}/origin/summary.json",
    log:
        "logs/origin/{model}.log",
    benchmark:
        "results/benchmarks/origin/{model}.tsv"
    conda:
        "../envs/encode.yaml"
    params:
        model=get_model_entry,
        origin=config["origin"],
        criterion=config["outliers"]["criterion"],
    script:
        "../scripts/origin.py"


rule fig3_position_embeddings:
    input:
        rows="results/{model}/origin/position_rows.csv",
        summary="results/{model}/origin/summary.json",
        outliers=f"results/{{model}}/outliers/{ORIGIN_CORPUS}.csv",
    output:
        report(
            "results/paper/fig3_position_embeddings_{model}.png",
            caption="../report/fig3.rst",
            category="Origin of outliers",
            labels={"model": "{model}", "figure": "3-4 position embeddings"},
        ),
    log:
        "logs/fig3_position_embeddings/{model}.log",
    localrule: True
    conda:
        "../envs/report.yaml"
    params:
        z_threshold=config["outliers"]["criterion"]["z_threshold"],
    script:
        "../scripts/fig3_position_embeddings.py"


rule layernorm_ranks_figure:
    input:
        "results/{model}/origin/layernorm_ranks.csv",
    output:
        report(
            "results/{model}/origin/layernorm_ranks.png",
            caption="../report/layernorm_ranks.rst",
            category="Origin of outliers",
            labels={"model": "{model}", "figure": "LayerNorm ranks"},
        ),
    log:
        "logs/layernorm_ranks_figure/{model}.log",
    localrule: True
    conda:
        "../envs/report.yaml"
    script:
        "../scripts/layernorm_ranks_figure.py"
