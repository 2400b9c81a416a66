# Per-model results -> the paper's tables and figures, in one folder with fixed names.


rule table1_wic:
    input:
        results=per_model("results/{model}/tasks/wic.csv"),
        pairs="results/data/wic.csv",
    output:
        **{
            ext: report(
                f"results/paper/table1_wic.{ext}",
                caption="../report/table1.rst",
                category="Tables",
                labels={"table": "1 WiC", "format": ext},
            )
            for ext in TABLE_FORMATS
        },
    log:
        "logs/table1_wic/table1_wic.log",
    localrule: True
    conda:
        "../envs/report.yaml"
    script:
        "../scripts/table1_wic.py"


rule table2_sts:
    input:
        per_model("results/{model}/tasks/sts.csv"),
    output:
        **{
            ext: report(
                f"results/paper/table2_sts.{ext}",
                caption="../report/table2.rst",
                category="Tables",
                labels={"table": "2 STS", "format": ext},
            )
            for ext in TABLE_FORMATS
        },
    log:
        "logs/table2_sts/table2_sts.log",
    localrule: True
    conda:
        "../envs/report.yaml"
    params:
        aggregate=config["sts"]["aggregate"],
    script:
        "../scripts/table2_sts.py"


rule table3_supervised:
    input:
        per_model("results/{model}/tasks/supervised.csv"),
    output:
        **{
            ext: report(
                f"results/paper/table3_supervised.{ext}",
                caption="../report/table3.rst",
                category="Tables",
                labels={"table": "3 supervised", "format": ext},
            )
            for ext in TABLE_FORMATS
        },
    log:
        "logs/table3_supervised/table3_supervised.log",
    localrule: True
    conda:
        "../envs/report.yaml"
    params:
        select_by=config["supervised"]["select_by"],
    script:
        "../scripts/table3_supervised.py"


rule fig6_geometry:
    input:
        per_model("results/{model}/geometry.csv"),
    output:
        report(
            "results/paper/fig6_geometry.png",
            caption="../report/fig6.rst",
            category="Geometry",
            labels={"figure": "6 anisotropy and self-similarity"},
        ),
    log:
        "logs/fig6_geometry/fig6_geometry.log",
    localrule: True
    conda:
        "../envs/report.yaml"
    script:
        "../scripts/fig6_geometry.py"
