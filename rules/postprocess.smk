# Statistics (+ detected outliers) -> one fitted affine map per layer for each method.


rule fit_postprocess:
    input:
        unpack(get_fit_inputs),
    output:
        "results/{model}/postprocess/{fitted}.npz",
    log:
        "logs/fit_postprocess/{model}/{fitted}.log",
    localrule: True
    conda:
        "../envs/analysis.yaml"
    params:
        method=get_fit_params,
    script:
        "../scripts/fit_postprocess.py"
