// Evident dashboard: draws each chart from the JSON block next to it.
//
// Progressive enhancement only. Every page, table and filter works without this
// script; it adds a chart above each data table. The data format is Evident's
// own (see crates/server/src/chart.rs), so only this file knows Chart.js.
// Suppressed values arrive as null and are drawn as gaps, never estimated.
(function () {
  'use strict';

  if (typeof window.Chart !== 'function') {
    return; // library missing: the tables remain, which is the whole content
  }

  // Okabe & Ito (2008), "Color Universal Design": distinguishable with the
  // common forms of colour-vision deficiency. Flags also differ in shape.
  var BLUE = '#0072b2';
  var ORANGE = '#e69f00';
  var VERMILION = '#d55e00';
  var GREY = '#6b6b6b';
  var BAND = 'rgba(0, 114, 178, 0.16)';
  var BAR_COLOURS = [BLUE, ORANGE, VERMILION, '#009e73', '#cc79a7', '#56b4e9'];

  function formatter(decimals) {
    var nf = new Intl.NumberFormat('en-GB', {
      minimumFractionDigits: decimals,
      maximumFractionDigits: decimals
    });
    return function (value) {
      return value === null || value === undefined ? 'not published' : nf.format(value);
    };
  }

  function wrap(text, width) {
    var lines = [];
    var line = '';
    String(text).split(' ').forEach(function (word) {
      if (line && (line + ' ' + word).length > width) {
        lines.push(line);
        line = word;
      } else {
        line = line ? line + ' ' + word : word;
      }
    });
    if (line) {
      lines.push(line);
    }
    return lines;
  }

  function commonOptions(format) {
    return {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      normalized: true,
      interaction: { mode: 'index', intersect: false },
      plugins: {
        legend: { position: 'bottom' },
        tooltip: {
          callbacks: {
            label: function (ctx) {
              return ctx.dataset.label + ': ' + format(ctx.raw);
            }
          }
        }
      }
    };
  }

  function bandChart(data) {
    var format = formatter(data.decimals);
    var datasets = [
      {
        evidentRole: 'lower',
        label: data.band_label + ' (lower)',
        data: data.lower,
        borderWidth: 0,
        pointRadius: 0,
        pointHitRadius: 0,
        fill: false,
        backgroundColor: BAND,
        spanGaps: false
      },
      {
        evidentRole: 'upper',
        label: data.band_label,
        data: data.upper,
        borderWidth: 0,
        pointRadius: 0,
        pointHitRadius: 0,
        fill: '-1',
        backgroundColor: BAND,
        spanGaps: false
      }
    ];
    if (data.expected) {
      datasets.push({
        evidentRole: 'expected',
        label: 'Expected',
        data: data.expected,
        borderColor: GREY,
        borderDash: [6, 4],
        borderWidth: 1.5,
        pointRadius: 0,
        fill: false
      });
    }
    var flagged = data.flagged || [];
    datasets.push({
      evidentRole: 'value',
      label: data.value_label,
      data: data.values,
      borderColor: BLUE,
      backgroundColor: BLUE,
      borderWidth: 2,
      spanGaps: false,
      fill: false,
      pointRadius: data.values.map(function (_, i) { return flagged[i] ? 7 : 3; }),
      pointStyle: data.values.map(function (_, i) { return flagged[i] ? 'triangle' : 'circle'; }),
      pointBackgroundColor: data.values.map(function (_, i) { return flagged[i] ? VERMILION : BLUE; }),
      pointBorderColor: data.values.map(function (_, i) { return flagged[i] ? VERMILION : BLUE; })
    });
    var options = commonOptions(format);
    options.scales = {
      y: { ticks: { callback: function (v) { return format(v); } } }
    };
    options.plugins.legend.labels = {
      filter: function (item, chart) {
        return chart.datasets[item.datasetIndex].evidentRole !== 'lower';
      }
    };
    return { type: 'line', data: { labels: data.labels, datasets: datasets }, options: options };
  }

  function barChart(data) {
    var format = formatter(data.decimals);
    var stacked = data.series.length > 1;
    var datasets = data.series.map(function (s, i) {
      return {
        evidentRole: i === 0 ? 'value' : 'series-' + i,
        label: s.label,
        data: s.values,
        backgroundColor: BAR_COLOURS[i % BAR_COLOURS.length]
      };
    });
    var options = commonOptions(format);
    options.indexAxis = 'y';
    options.interaction = { mode: 'nearest', axis: 'y', intersect: false };
    options.scales = {
      x: { stacked: stacked, beginAtZero: true, ticks: { callback: function (v) { return format(v); } } },
      y: {
        stacked: stacked,
        ticks: {
          autoSkip: false,
          // Long category names (ICCS) wrap onto several lines instead of being cut.
          callback: function (value) { return wrap(this.getLabelForValue(value), 32); }
        }
      }
    };
    if (!stacked) {
      options.plugins.legend.display = false;
    }
    return { type: 'bar', data: { labels: data.labels, datasets: datasets }, options: options };
  }

  function draw(box) {
    var source = document.getElementById(box.getAttribute('data-chart'));
    if (!source) {
      return;
    }
    var data;
    try {
      data = JSON.parse(source.textContent);
    } catch (e) {
      return; // unreadable data: leave the table alone
    }
    var caption = document.getElementById(box.getAttribute('data-caption'));
    var canvas = document.createElement('canvas');
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', caption ? caption.textContent : 'Chart; the data table follows.');
    box.appendChild(canvas);
    box.hidden = false;
    if (data.kind === 'bars') {
      // One band of about 28 px per bar keeps labels legible however many rows.
      var lines = data.labels.reduce(function (n, label) { return n + wrap(label, 32).length; }, 0);
      box.style.height = Math.max(180, lines * 16 + data.labels.length * 14 + 70) + 'px';
    }
    var config = data.kind === 'band' ? bandChart(data) : barChart(data);
    new window.Chart(canvas, config);
    box.setAttribute('data-drawn', 'true');
  }

  var boxes = document.querySelectorAll('[data-chart]');
  for (var i = 0; i < boxes.length; i++) {
    draw(boxes[i]);
  }
})();
